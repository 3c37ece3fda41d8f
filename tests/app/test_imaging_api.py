"""The imaging API: upload a SPECT/CT study of a virtual patient (hepar.phantoms, tiny preset),
follow its background job to the end, read its volumes, DVH and reports; bad uploads answer 422
with one line and write nothing; other sites' jobs and volumes answer 404; monitors and roles
that may not process imaging answer 403; a signed-out request gets nothing."""

from __future__ import annotations

import gzip
import io
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from imaging_case import PASSWORD, StudyFiles, add_physicists, consented_patient, shared_study
from sqlalchemy import func, select

from hepar.app import create_app
from hepar.physics import decay_factor_over_h, nuclide
from hepar.services.web_auth import LoginThrottle
from hepar.store import ImagingJob, ImagingStudy, ProcessingRun, Store, verify_audit

PATIENT = "HP-A-IMG0000001"
JOB_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return shared_study(tmp_path_factory)


@pytest.fixture(scope="module")
def db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    target = tmp_path_factory.mktemp("imaging-db") / "hepar.db"
    shutil.copyfile(template_db, target)
    store = Store(f"sqlite:///{target}")
    add_physicists(store)
    consented_patient(store, PATIENT, "A")
    consented_patient(store, "HP-B-IMG0000001", "B")
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def app_client(db: Store) -> Iterator[TestClient]:
    app = create_app(db, secret_key="test key, not a secret",
                     throttle=LoginThrottle(per_user=50, per_address=500))
    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    token = client.get("/api/session").json()["csrf_token"]
    answer = client.post("/api/login", json={"username": username, "password": PASSWORD},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def upload(client: TestClient, headers: dict[str, str], data: bytes, study: StudyFiles,
           patient: str = PATIENT, name: str = "study.zip") -> Any:
    return client.post(
        f"/api/patients/{patient}/imaging", headers=headers,
        files=[("files", (name, data, "application/zip"))],
        data={"kind": "treatment", "activity_mbq": str(study.activity_mbq),
              "hours_after_administration": str(study.hours_after_administration)})


def wait(client: TestClient, job_id: str) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = client.get(f"/api/imaging/jobs/{job_id}").json()
        if not seen or seen[-1] != (job["state"], job["stage"]):
            seen.append((job["state"], job["stage"]))
        if job["state"] in ("done", "failed"):
            return job, seen
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish within {JOB_TIMEOUT_S} s: {seen}")


@pytest.fixture(scope="module")
def done_job(app_client: TestClient, study: StudyFiles) -> dict[str, Any]:
    headers = sign_in(app_client, "physicist.a")
    answer = upload(app_client, headers, study.zip_bytes(), study)
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["state"] == "queued" and queued["stage"] == 0 and queued["n_stages"] == 5
    job, seen = wait(app_client, queued["job_id"])
    assert job["state"] == "done", job["error"]
    return {"job": job, "seen": seen}


def test_an_uploaded_study_is_reconstructed_planned_and_dosed(done_job, db, study):
    job, seen = done_job["job"], done_job["seen"]
    assert seen[-1] == ("done", 5)
    running = [stage for state, stage in seen if state == "running"]
    assert running == sorted(running) and all(1 <= s <= 5 for s in running)
    result = job["result"]
    # normalised reconstruction: the field of view holds the administered activity decayed to
    # the scan start, A0 exp(-ln 2 t / T1/2) (166Ho half-life from hepar.physics, NNDC)
    expected = study.activity_mbq * float(decay_factor_over_h(
        study.hours_after_administration, nuclide("Ho-166").half_life_h))
    assert result["reconstruction"]["total_activity_mbq"] == pytest.approx(expected, rel=1e-6)
    names = {m["name"] for m in result["dose"]["voi_metrics"]}
    assert {"liver", "lungs", "lesion 1"} <= names
    assert result["plan"]["activity_mbq"] > 0
    assert result["isodose_levels_gy"] == [30.0, 60.0, 150.0]  # registry protocol limits
    with db.read() as session:
        kinds = sorted(r.kind for r in session.scalars(select(ProcessingRun)))
        assert set(kinds) == {"dosimetry", "reconstruction"} and len(kinds) % 2 == 0
        assert session.scalar(select(func.count()).select_from(ImagingStudy)) == 3
        assert verify_audit(session).ok


def test_a_folder_upload_of_a_stored_study_reuses_its_series(done_job, app_client, db, study):
    headers = sign_in(app_client, "physicist.a")
    before = _counts(db)
    files = [("files", (path.relative_to(study.folder.parent).as_posix(), path.read_bytes(),
                        "application/dicom")) for path in study.files]
    answer = app_client.post(
        f"/api/patients/{PATIENT}/imaging", headers=headers, files=files,
        data={"kind": "scout", "activity_mbq": "250",
              "hours_after_administration": str(study.hours_after_administration)})
    assert answer.status_code == 202, answer.text
    job, _seen = wait(app_client, answer.json()["job_id"])
    assert job["state"] == "done", job["error"]
    assert job["parameters"]["series"] == done_job["job"]["parameters"]["series"]
    assert _counts(db) == (before[0], before[1] + 1)  # no series stored twice, one more job
    listed = app_client.get(f"/api/patients/{PATIENT}/imaging/jobs").json()
    assert listed[0]["job_id"] == job["job_id"]  # newest first


def test_the_store_holds_only_pseudonymised_files(done_job, db):
    import pydicom

    with db.read() as session:
        locations = [Path(s.location) for s in session.scalars(select(ImagingStudy))]
    for folder in locations:
        for path in folder.glob("*.dcm"):
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            assert str(ds.PatientID) == PATIENT and str(ds.PatientName) == PATIENT


def test_volumes_and_dvh_are_served_to_the_site(done_job, app_client):
    from hepar.io import read_nifti

    sign_in(app_client, "physicist.a")
    job_id = done_job["job"]["job_id"]
    for name in ("ct", "spect", "dose", "vois", "isodose"):
        answer = app_client.get(f"/api/imaging/jobs/{job_id}/volumes/{name}.nii.gz")
        assert answer.status_code == 200, (name, answer.text)
        assert answer.content[:2] == b"\x1f\x8b" and gzip.decompress(answer.content)[344:348] \
            in (b"n+1\x00", b"ni1\x00")  # NIfTI-1 magic
    assert app_client.get(f"/api/imaging/jobs/{job_id}/volumes/secrets.nii.gz"
                          ).status_code == 422
    dvh = app_client.get(f"/api/imaging/jobs/{job_id}/dvh").json()
    liver = dvh["liver"]
    assert liver["volume_percent"][0] == pytest.approx(100.0)
    assert liver["volume_percent"] == sorted(liver["volume_percent"], reverse=True)
    dose = read_nifti(Path(db_job_folder(app_client, job_id)) / "dose" / "dose_gy.nii.gz")
    assert float(dose.array.max()) == pytest.approx(
        done_job["job"]["result"]["dose"]["max_dose_gy"], rel=1e-5)


def db_job_folder(client: TestClient, job_id: str) -> str:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    with store.read() as session:
        folder = session.scalar(select(ImagingJob.folder).where(ImagingJob.job_id == job_id))
    assert folder is not None
    return folder


def test_the_job_state_survives_a_reload_and_a_restart(done_job, db):
    # a new application over the same database (a restarted server) sees the same job
    app = create_app(db, secret_key="another key, not a secret")
    with TestClient(app) as fresh:
        sign_in(fresh, "physicist.a")
        job = fresh.get(f"/api/imaging/jobs/{done_job['job']['job_id']}").json()
        listed = fresh.get(f"/api/patients/{PATIENT}/imaging/jobs").json()
        page = fresh.get(f"/patients/{PATIENT}/imaging", headers={"accept": "text/html"})
    assert job["state"] == "done" and job["result"] == done_job["job"]["result"]
    assert done_job["job"]["job_id"] in [j["job_id"] for j in listed]
    assert page.status_code == 200 and done_job["job"]["job_id"] in page.text


def test_another_site_gets_404_for_jobs_volumes_and_reports(done_job, app_client):
    job_id = done_job["job"]["job_id"]
    sign_in(app_client, "physicist.b")
    for path in (f"/api/imaging/jobs/{job_id}", f"/api/imaging/jobs/{job_id}/dvh",
                 f"/api/imaging/jobs/{job_id}/volumes/dose.nii.gz",
                 f"/imaging/jobs/{job_id}"):
        answer = app_client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert job_id in answer.json()["detail"]
    assert app_client.get(f"/api/patients/{PATIENT}/imaging/jobs").status_code == 422
    assert app_client.get(f"/api/patients/{PATIENT}/reports").status_code == 422
    assert app_client.get("/api/imaging/jobs/not-a-job").status_code == 404


def test_a_monitor_reads_the_imaging_page_without_the_upload_form(done_job, app_client):
    sign_in(app_client, "monitor.a")
    page = app_client.get(f"/patients/{PATIENT}/imaging", headers={"accept": "text/html"})
    assert page.status_code == 200 and done_job["job"]["job_id"] in page.text
    assert "upload-form" not in page.text
    viewer = app_client.get(f"/imaging/jobs/{done_job['job']['job_id']}")
    assert viewer.status_code == 200
    assert 'id="dose-viewer"' in viewer.text or "not installed" in viewer.text


def test_a_signed_out_request_gets_nothing(done_job, app_client):
    app_client.cookies.clear()
    job_id = done_job["job"]["job_id"]
    for path in (f"/api/imaging/jobs/{job_id}", f"/api/imaging/jobs/{job_id}/volumes/ct.nii.gz",
                 f"/api/patients/{PATIENT}/imaging/jobs"):
        assert app_client.get(path).status_code == 401


@pytest.mark.parametrize("username", ["monitor.a", "nurse.a"])
def test_monitors_and_nurses_cannot_upload(app_client, study, db, username):
    headers = sign_in(app_client, username)
    answer = upload(app_client, headers, b"PK\x05\x06" + bytes(18), study)
    assert answer.status_code == 403
    assert "expected" in answer.json()["detail"] and "\n" not in answer.json()["detail"]


def test_an_upload_for_another_sites_patient_is_refused(app_client, study):
    headers = sign_in(app_client, "physicist.b")
    answer = upload(app_client, headers, study.zip_bytes(), study)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("study_id = 'HP-A-IMG0000001': expected")


def _counts(db: Store) -> tuple[int, int]:
    with db.read() as session:
        return (int(session.scalar(select(func.count()).select_from(ImagingStudy)) or 0),
                int(session.scalar(select(func.count()).select_from(ImagingJob)) or 0))


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.dcm", bytes(64 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(("case", "expected"), [
    ("non_dicom", "upload.file = 'study/notes.txt': expected a DICOM file"),
    ("corrupt", "expected"),
    ("traversal", "upload.member = '../evil.dcm': expected a relative path inside"),
    ("bomb", "upload.member = 'bomb.dcm': expected a compression ratio of at most 100"),
    ("not_zip", "upload = 'archive': expected a zip archive"),
    ("no_ct", "upload.CT = 0: expected exactly one CT series"),
])
def test_a_bad_upload_answers_one_line_and_writes_nothing(app_client, db, study, tmp_path,
                                                          case, expected):
    headers = sign_in(app_client, "physicist.a")
    before = _counts(db)
    if case == "non_dicom":
        data = study.zip_bytes({"study/notes.txt": b"not a DICOM file"})
    elif case == "corrupt":
        # a CT slice cut short after its header: its pixel data are missing
        ct = next(p for p in study.files if p.parent.name == "ct")
        data = study.zip_bytes({"ct/zz_cut.dcm": ct.read_bytes()[: ct.stat().st_size // 3]})
    elif case == "traversal":
        data = study.zip_bytes({"../evil.dcm": b"x"})
    elif case == "bomb":
        data = _bomb()
    elif case == "not_zip":
        data = b"this is not a zip archive"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in study.files:
                if path.parent.name != "ct":
                    archive.write(path, path.name)
        data = buffer.getvalue()
    answer = upload(app_client, headers, data, study)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert expected in detail and "\n" not in detail
    assert _counts(db) == before


def test_bad_options_are_refused_before_the_upload_is_read(app_client, study):
    headers = sign_in(app_client, "physicist.a")
    answer = app_client.post(
        f"/api/patients/{PATIENT}/imaging", headers=headers,
        files=[("files", ("study.zip", b"PK", "application/zip"))],
        data={"kind": "scout", "activity_mbq": "-5", "hours_after_administration": "2"})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("activity_mbq = -5.0: expected an activity > 0")


def test_reports_are_listed_and_downloaded_when_they_exist(app_client, db):
    from hepar.services.web_imaging import imaging_root

    sign_in(app_client, "physicist.a")
    assert app_client.get(f"/api/patients/{PATIENT}/reports").json() == []
    folder = imaging_root(db) / PATIENT / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"dosimetry_{PATIENT}.pdf").write_bytes(b"%PDF-1.7 test")
    (imaging_root(db) / "reports").mkdir(exist_ok=True)
    (imaging_root(db) / "reports" / "study_report.html").write_text("<html></html>")
    listed = app_client.get(f"/api/patients/{PATIENT}/reports").json()
    assert [(r["name"], r["kind"]) for r in listed] == [
        (f"dosimetry_{PATIENT}.pdf", "dosimetry"), ("study_report.html", "study")]
    pdf = app_client.get(listed[0]["url"])
    assert pdf.status_code == 200 and pdf.content == b"%PDF-1.7 test"
    assert app_client.get(f"/api/patients/{PATIENT}/reports/hepar.db").status_code == 404
    assert app_client.get(f"/api/patients/{PATIENT}/reports/..%2Fhepar.db").status_code == 404
