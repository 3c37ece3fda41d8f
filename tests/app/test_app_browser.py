"""End to end in a real browser: Playwright drives Debian's Chromium (``/usr/bin/chromium``,
headless, launched by its executable path; no browser is downloaded) against ``hepar serve`` on
127.0.0.1 in a subprocess, over virtual patients' records (hepar.phantoms).

Sign in, screen a candidate who fails one criterion and one who passes (every field of the
screening form entered, judgement criteria attested), enrol, enter a lab value and see its CTCAE
grade, record an adverse event, record RECIST reads at two visits and see the response, answer the
QoL booklet in the patient's language (Dutch) on the ePRO screen. Screenshots go to the test's tmp
folder, and are copied to ``$HEPAR_ARTEFACTS`` when it is set.
"""

from __future__ import annotations

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


def _new_patient(page: Any, base: str, identifier: str, candidate: dict[str, Any],
                 language: str | None = None) -> str:
    page.goto(f"{base}/")
    page.fill("#new-patient input[name=identifier]", identifier)
    page.select_option("#new-patient select[name=sex]", candidate["sex"])
    if language:
        page.select_option("#new-patient select[name=language]", language)
    page.click("#new-patient button[type=submit]")
    page.wait_for_url("**/patients/HP-A-*")
    consented = candidate["events"].get("informed consent") or candidate["screening_date"]
    page.fill("#consent input[name=consented_on]", consented)
    page.click("#consent button[type=submit]")
    page.wait_for_selector("#screening-form")
    study_id: str = page.url.rsplit("/", 1)[1]
    return study_id


def _number(value: float) -> str:
    return f"{value:g}"


def _screen(page: Any, candidate: dict[str, Any]) -> None:
    """Enter the candidate record in the screening form's fields, as a nurse would."""
    form = page.locator("#screening-form")
    for name in ("screening_date", "treatment_date", "birth_date"):
        if candidate.get(name):
            form.locator(f"input[name={name}]").fill(candidate[name])
    form.locator("select[name=sex]").select_option(candidate["sex"])
    for name in ("weight_kg", "height_cm", "who_performance_status", "unresolved_toxicity_grade",
                 "liver_tumour_involvement_pct"):
        field = form.locator(f"input[name={name}]")
        if candidate.get(name) is not None and field.count():
            field.fill(_number(candidate[name]))
    for lab in candidate["labs"]:
        row = form.locator(f"tr[data-lab='{lab['analyte']}']")
        if not row.count():
            continue  # an analyte no criterion reads
        row.locator("[data-field=value]").fill(_number(lab["value"]))
        row.locator("[data-field=unit]").fill(lab["unit"])
        for key in ("lln", "uln"):
            if lab[key] is not None:
                row.locator(f"[data-field={key}]").fill(_number(lab[key]))
        if lab["sampled_on"]:
            row.locator("[data-field=sampled_on]").fill(lab["sampled_on"])
    rows = form.locator("tr[data-lesion]")
    for index, lesion in enumerate(candidate["lesions"]):
        row = rows.nth(index)
        row.locator("[data-field=id]").fill(lesion["id"])
        row.locator("[data-field=organ]").fill(lesion["organ"])
        row.locator("[data-field=diameter_mm]").fill(_number(lesion["diameter_mm"]))
        if lesion["slice_thickness_mm"] is not None:
            row.locator("[data-field=slice_thickness_mm]").fill(
                _number(lesion["slice_thickness_mm"]))
    cycles = form.locator("tr[data-cycle]")
    for index, cycle in enumerate(candidate["lutetium_cycles"]):
        cycles.nth(index).locator("[data-field=administered_on]").fill(cycle["administered_on"])
        cycles.nth(index).locator("[data-field=activity_mbq]").fill(_number(cycle["activity_mbq"]))
    for event, day in candidate["events"].items():
        block = form.locator(f"[data-event='{event}']")
        if day is None:
            block.locator("[data-field=never]").check()
        else:
            block.locator("[data-field=on]").fill(day)
    for fact, value in candidate["facts"].items():
        select = form.locator(f"[data-fact='{fact}'] select")
        if select.count():
            select.select_option("true" if value else "false")
    for attestation in candidate["attestations"]:
        form.locator(f"[data-attest='{attestation['criterion']}'] [data-field=met]").select_option(
            "true" if attestation["met"] else "false")
    _settle(page, "#live-verdicts")


def _settle(page: Any, target: str) -> None:
    """Wait until the live answer to the last change is shown (hepar.js marks the answer's place
    ``data-pending`` until then)."""
    page.wait_for_selector(f"{target}:not([data-pending])", state="attached")


def _read(page: Any, reads: dict[str, Any], index: int) -> None:
    """Enter time point ``index`` of ``reads`` in the RECIST form (lesions too at baseline)."""
    form = page.locator("#recist-form")
    point = reads["timepoints"][index]
    form.locator("input[name=date]").fill(point["date"])
    rows = form.locator("tr[data-lesion]")
    for number, lesion in enumerate(reads["lesions"]):
        row = rows.nth(number)
        if index == 0:  # the baseline read chooses the lesions
            row.locator("[data-field=id]").fill(lesion["id"])
            row.locator("[data-field=role]").select_option(lesion["role"])
            row.locator("[data-field=organ]").fill(lesion["organ"])
            row.locator("[data-field=in_treated_volume]").select_option(
                "true" if lesion["in_treated_volume"] else "false")
        else:
            assert row.locator("[data-field=id]").input_value() == lesion["id"]
        if lesion["id"] in point["measurements_mm"]:
            row.locator("[data-field=diameter_mm]").fill(
                _number(point["measurements_mm"][lesion["id"]]))
        elif lesion["id"] in point["non_target"]:
            row.locator("[data-field=state]").select_option(point["non_target"][lesion["id"]])
    form.locator("select[name=new_lesions]").select_option(
        "true" if point["new_lesions"] is True else "false")
    _settle(page, "#live-response")


def test_study_day_in_the_browser(server: str, page: Any, tmp_path: Path, virtual: Any) -> None:
    shots = Shots(page, tmp_path / "screenshots")
    _login(page, server, "investigator.a")
    shots("dashboard")

    # a candidate who fails one inclusion criterion (I4: the 177Lu cycles), entered field by field
    _new_patient(page, server, "virtual-mrn-fail", virtual.failing)
    _screen(page, virtual.failing)
    assert page.inner_text("#live-verdicts .live-eligible") == "eligible = false"
    failed_row = page.locator(f"#live-verdicts tr:has(td:text-is('{virtual.failing_criterion}'))")
    assert "not met" in failed_row.inner_text()
    shots("screening-fails-live")
    page.click("#screening-form button[type=submit]")
    page.wait_for_selector("#screening strong.eligible")
    assert page.inner_text("#screening strong.eligible") == "false"
    assert page.inner_text("#status") == "screen failure"
    shots("screen-failure-saved")

    # a candidate who passes (the judgement criteria attested), then enrolment
    study_id = _new_patient(page, server, "virtual-mrn-pass", virtual.eligible, language="nl")
    _screen(page, virtual.eligible)
    assert page.inner_text("#live-verdicts .live-eligible") == "eligible = true"
    shots("screening-passes-live")
    page.click("#screening-form button[type=submit]")
    page.wait_for_selector("#screening input[name=enrolled_on]")
    assert page.locator("#screening tr.verdict-met:has(td:text-is('I5'))").count() == 1
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

    # an adverse event with its CTCAE grade
    event = virtual.adverse_event
    page.fill("#ae-form input[name=term]", event["term"])
    page.select_option("#ae-form select[name=grade]", str(event["grade"]))
    page.fill("#ae-form input[name=onset]", event["onset"])
    page.select_option("#ae-form select[name=relatedness]", event["relatedness"])
    page.click("#ae-form button[type=submit]")
    page.wait_for_selector(f"#adverse-events td.ae-term:text-is('{event['term']}')")
    assert page.inner_text("#adverse-events td.ae-grade") == str(event["grade"])
    shots("adverse-event-saved")

    # RECIST reads by the radiologist at two visits, the response computed live and saved
    _logout(page)
    _login(page, server, "radiologist.a")
    page.goto(f"{server}/patients/{study_id}")
    _read(page, virtual.recist, 0)
    shots("recist-baseline-live")
    page.click("#recist-form button[type=submit]")
    page.wait_for_selector("#recist td.response")
    _read(page, virtual.recist, 1)
    # the sum of the target diameters fell from 93 to 74 mm (-20 %): neither the 30 % decrease of
    # PR nor the 20 % increase of PD, so SD (Eisenhauer et al., Eur J Cancer 2009, section 4.3.1)
    live = page.locator("#live-response tr").nth(2).inner_text()
    assert live.split()[-1] == "SD" and "74" in live
    live_bor = page.inner_text("#live-response .live-bor").rsplit(": ", 1)[1]
    shots("recist-follow-up-live")
    # the button activated from the keyboard: a mouse click on it here lands its mouseup on the
    # form (seen in headless Chromium under load; the mousedown hits the button)
    page.locator("#recist-form button[type=submit]").press("Enter")
    page.wait_for_selector("#recist tr:nth-child(3) td.response")
    assert [c.inner_text() for c in page.locator("#recist td.response").all()][1] == "SD"
    assert page.inner_text("#recist strong.bor") == live_bor
    shots("recist-saved")

    # the QoL booklet in the patient's language (Dutch, on the record) on the ePRO screen; staff
    # are signed out of it
    _logout(page)
    _login(page, server, "investigator.a")
    page.goto(f"{server}/patients/{study_id}")
    assert page.inner_text("#patient-language") == "Nederlands"
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
    assert shots.count == 14
