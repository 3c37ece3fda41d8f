"""End to end in a real browser: Playwright drives Debian's Chromium (``/usr/bin/chromium``,
headless, launched by its executable path; no browser is downloaded) against ``hepar serve`` on
127.0.0.1 in a subprocess, over virtual patients' records (hepar.phantoms).

Sign in, screen a candidate who fails one criterion and one who passes, enrol, enter a lab value
and see its CTCAE grade, record RECIST reads and see the response, answer the QoL booklet in
Dutch on the ePRO screen. Screenshots go to the test's tmp folder, and are copied to
``$HEPAR_ARTEFACTS`` when it is set.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(template_db: Path, tmp_path: Path) -> Iterator[str]:
    database = tmp_path / "hepar.db"
    shutil.copyfile(template_db, database)
    env = {**os.environ, "HEPAR_DATABASE_URL": f"sqlite:///{database}",
           "HEPAR_SECRET_KEY": "browser test key, not a secret"}
    port = _free_port()
    hepar = str(Path(sys.executable).with_name("hepar"))
    process = subprocess.Popen([hepar, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/api/session", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("hepar serve did not answer within 20 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    if not CHROMIUM.is_file():
        print(f"SKIP reason: {CHROMIUM} is missing (make test installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        print(f"SKIP reason: the playwright package is missing ({error})")
        pytest.skip(f"the playwright package is missing ({error})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=FLAGS)
        context = browser.new_context(viewport={"width": 1200, "height": 1600})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


class Shots:
    """Numbered screenshots in the tmp folder (and ``$HEPAR_ARTEFACTS``)."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        artefacts = os.environ.get("HEPAR_ARTEFACTS")
        if artefacts:
            Path(artefacts).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(artefacts) / path.name)


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Dashboard')")


def _logout(page: Any) -> None:
    page.click("#logout")
    page.wait_for_url("**/login")


def _new_patient(page: Any, base: str, identifier: str, candidate: dict[str, Any]) -> str:
    page.goto(f"{base}/")
    page.fill("#new-patient input[name=identifier]", identifier)
    page.click("#new-patient button[type=submit]")
    page.wait_for_url("**/patients/HP-A-*")
    consented = candidate["events"].get("informed consent") or candidate["screening_date"]
    page.fill("#consent input[name=consented_on]", consented)
    page.click("#consent button[type=submit]")
    page.wait_for_selector("#screening textarea")
    study_id: str = page.url.rsplit("/", 1)[1]
    return study_id


def _screen(page: Any, candidate: dict[str, Any]) -> None:
    page.fill("#screening textarea", json.dumps(candidate))
    page.wait_for_selector("#live-verdicts .live-eligible")


def test_study_day_in_the_browser(server: str, page: Any, tmp_path: Path, virtual: Any) -> None:
    shots = Shots(page, tmp_path / "screenshots")
    _login(page, server, "investigator.a")
    shots("dashboard")

    # a candidate who fails one inclusion criterion
    _new_patient(page, server, "virtual-mrn-fail", virtual.failing)
    _screen(page, virtual.failing)
    assert page.inner_text("#live-verdicts .live-eligible") == "eligible = false"
    failed_row = page.locator(f"#live-verdicts tr:has(td:text-is('{virtual.failing_criterion}'))")
    assert "not met" in failed_row.inner_text()
    shots("screening-fails-live")
    page.click("#screening button[type=submit]")
    page.wait_for_selector("#screening strong.eligible")
    assert page.inner_text("#screening strong.eligible") == "false"
    assert page.inner_text("#status") == "screen failure"
    shots("screen-failure-saved")

    # a candidate who passes, then enrolment
    study_id = _new_patient(page, server, "virtual-mrn-pass", virtual.eligible)
    _screen(page, virtual.eligible)
    assert page.inner_text("#live-verdicts .live-eligible") == "eligible = true"
    shots("screening-passes-live")
    page.click("#screening button[type=submit]")
    page.wait_for_selector("#screening input[name=enrolled_on]")
    page.fill("#screening input[name=enrolled_on]", virtual.eligible["screening_date"])
    page.click("#screening form button[type=submit]")
    page.wait_for_selector("#status:text-is('enrolled')")
    shots("enrolled")

    # a lab value and its CTCAE v4.03 grade: bilirubin 40 umol/L with ULN 17 is 2.35 x ULN,
    # grade 2 (> 1.5-3.0 x ULN; NCI CTCAE v4.03, Investigations)
    page.select_option("#labs select[name=analyte]", "bilirubin")
    page.fill("#labs input[name=value]", "40")
    page.fill("#labs input[name=uln]", "17")
    page.wait_for_selector("#live-grade .live-grade:has-text('grade 2')")
    shots("lab-grade-live")
    page.press("#labs input[name=uln]", "Enter")  # submits the form, as a user would
    page.wait_for_selector("#labs td.grade:has-text('Blood bilirubin increased: grade 2')")
    shots("lab-saved")

    # RECIST reads by the radiologist, response computed live and on the timeline
    _logout(page)
    _login(page, server, "radiologist.a")
    page.goto(f"{server}/patients/{study_id}")
    page.fill("#recist textarea", json.dumps(virtual.recist))
    page.wait_for_selector("#live-response .live-bor")
    live_bor = page.inner_text("#live-response .live-bor").rsplit(": ", 1)[1]
    assert live_bor in {"CR", "PR", "SD", "PD", "NE"}
    shots("recist-live")
    page.click("#recist button[type=submit]")
    page.wait_for_selector("#recist strong.bor")
    assert page.inner_text("#recist strong.bor") == live_bor
    shots("recist-saved")

    # the QoL booklet in Dutch on the ePRO screen; staff are signed out of it
    _logout(page)
    _login(page, server, "investigator.a")
    page.goto(f"{server}/patients/{study_id}")
    page.select_option("#qol select[name=language]", "nl")
    page.click("#qol button[type=submit]")
    page.wait_for_selector("h1:text('Vragenlijst over uw kwaliteit van leven')")
    assert page.locator("legend").first.inner_text() == "Item 1"
    for item, answer in virtual.qol["answers"].items():
        if int(item) <= 30 and answer is not None:
            page.check(f"input[name=item{item}][value='{answer}']")
    shots("epro-dutch")
    page.click("button[type=submit]")
    page.wait_for_selector("#thanks")
    assert "Dank u wel" in page.inner_text("#thanks")
    shots("epro-done")
    page.goto(f"{server}/")
    assert page.url.endswith("/login")  # the tablet holds no staff session
    _login(page, server, "investigator.a")
    page.goto(f"{server}/patients/{study_id}")
    assert page.locator("#qol td.qol-summary").count() == 1
    shots("timeline")
    assert shots.count == 12
