"""The dose viewer in a real browser: Playwright drives Debian's Chromium (``/usr/bin/chromium``,
headless, launched by its executable path as in ``test_app_browser.py``) against ``hepar serve``
on 127.0.0.1 over a study database where a physicist's imaging job of a virtual patient
(hepar.phantoms, tiny preset) has finished.

Sign in as the physicist, open the patient's imaging page, follow the job's link to the dose
viewer and check that NiiVue loaded the CT, the dose and SPECT overlays and the VOI and isodose
label volumes, and that the dose overlay is drawn: the canvas holds pixels of the overlay's
colour map ("warm": red above green and blue, which the grey CT never has) and they go when the
overlay is switched off. The screenshot goes to the test's tmp folder, and to
``$HEPAR_ARTEFACTS`` when it is set.
"""

from __future__ import annotations

import io
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
from imaging_case import PASSWORD, add_physicists, consented_patient, shared_study

from hepar.services.web_auth import web_user
from hepar.services.web_imaging import imaging_root, run_imaging_job, submit_study
from hepar.store import Store

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--enable-unsafe-swiftshader"]  # WebGL 2 by SwiftShader, no GPU needed
BUNDLE = Path(__file__).resolve().parents[2] / "src/hepar/app/static/viewer/dose_viewer.js"
PATIENT = "HP-A-VIEW000001"

#: Pixels of the dose colour map on the canvas: red channel above green and blue by this much
#: (the CT's grey has r = g = b; the isodose and VOI outlines are off while counting).
RED_MARGIN = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def finished_job(template_db: Path, tmp_path: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    database = tmp_path / "hepar.db"
    shutil.copyfile(template_db, database)
    store = Store(f"sqlite:///{database}")
    try:
        add_physicists(store)
        consented_patient(store, PATIENT, "A")
        study = shared_study(tmp_path_factory)
        view = submit_study(store, web_user(store, "physicist.a"), PATIENT,  # type: ignore[arg-type]
                            [("study.zip", io.BytesIO(study.zip_bytes()))], kind="treatment",
                            activity_mbq=study.activity_mbq,
                            hours_after_administration=study.hours_after_administration,
                            root=imaging_root(store))
        run_imaging_job(store, view.job_id)
        (tmp_path / "study.zip").write_bytes(study.zip_bytes())
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.dispose()
    return database, view.job_id


@pytest.fixture
def server(finished_job: tuple[Path, str]) -> Iterator[str]:
    database, _job = finished_job
    env = {**os.environ, "HEPAR_DATABASE_URL": f"sqlite:///{database}",
           "HEPAR_SECRET_KEY": "browser test key, not a secret"}
    env.pop("HEPAR_IMAGING_DIR", None)
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
    if not BUNDLE.is_file():
        print(f"SKIP reason: {BUNDLE.name} is not built (make viewer: npm is missing?)")
        pytest.skip("the dose viewer is not bundled: run make (needs npm)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        print(f"SKIP reason: the playwright package is missing ({error})")
        pytest.skip(f"the playwright package is missing ({error})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=FLAGS)
        context = browser.new_context(viewport={"width": 1300, "height": 1100})
        context.set_default_timeout(30_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _keep(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    artefacts = os.environ.get("HEPAR_ARTEFACTS")
    if artefacts:
        Path(artefacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(artefacts) / path.name)
    return path


#: Count the canvas pixels of the dose colour map, drawn now (read in the same task as the draw,
#: so that the WebGL drawing buffer still holds the frame).
_COUNT_RED = """([margin]) => {
  const nv = window.heparViewer;
  nv.drawScene();
  const gl = nv.gl;
  const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
  const pixels = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let red = 0, lit = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i], pixels[i + 1], pixels[i + 2]];
    if (r + g + b > 30) lit += 1;
    if (r > g + margin && r > b + margin) red += 1;
  }
  return {red, lit, total: w * h};
}"""


def test_the_dose_viewer_draws_the_overlay(server, page, finished_job, tmp_path):
    _database, job_id = finished_job
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "physicist.a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/patients/{PATIENT}")
    page.click("#imaging-link")
    row = page.locator(f"tr[data-job='{job_id}']")
    assert row.locator(".state").inner_text() == "done"
    row.locator("a").click()
    page.wait_for_selector("#dose-viewer[data-state=ready]", timeout=60_000)
    volumes = page.evaluate("() => window.heparViewer.volumes.map((v) => v.name)")
    assert volumes == ["ct.nii.gz", "dose.nii.gz", "spect.nii.gz", "vois.nii.gz",
                       "isodose.nii.gz"]
    assert page.locator("[data-dvh] polyline").count() >= 3  # liver, lungs, lesions
    _keep(page, tmp_path, "dose_viewer")

    page.uncheck("input[name=vois]")
    page.uncheck("input[name=isodose]")
    with_dose = page.evaluate(_COUNT_RED, [RED_MARGIN])
    page.fill("input[name=opacity]", "0")
    page.dispatch_event("input[name=opacity]", "input")
    without = page.evaluate(_COUNT_RED, [RED_MARGIN])
    assert with_dose["lit"] > 0.05 * with_dose["total"]  # the CT is drawn
    assert with_dose["red"] > 500, with_dose  # the dose overlay is drawn (warm colours)
    assert without["red"] < with_dose["red"] / 10, (with_dose, without)


def test_a_study_uploaded_on_the_page_shows_its_progress_to_done(server, page, finished_job,
                                                                 tmp_path):
    _database, first_job = finished_job
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "physicist.a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/patients/{PATIENT}/imaging")
    form = page.locator("#upload-form")
    form.locator("input[name=zip]").set_input_files(str(tmp_path / "study.zip"))
    form.locator("select[name=kind]").select_option("scout")
    form.locator("input[name=activity_mbq]").fill("250")
    form.locator("input[name=hours_after_administration]").fill("2")
    form.locator("button[type=submit]").click()
    # the page polls the jobs: the new job appears above the first and runs to done
    new_row = page.locator(f"#job-table tr[data-job]:not([data-job='{first_job}'])")
    new_row.wait_for(timeout=60_000)
    page.wait_for_selector(f"#job-table tr.job-done[data-job]:not([data-job='{first_job}'])",
                           timeout=180_000)
    assert new_row.locator(".progress").inner_text() == "5 / 5"
    assert page.locator("#job-table tr[data-job]").count() == 2
    _keep(page, tmp_path, "imaging_jobs")
