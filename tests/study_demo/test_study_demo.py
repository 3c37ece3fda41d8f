"""The demo study end to end on a 3-patient tiny cohort: database rows, audit chain, report PDF,
primary endpoint against the ground-truth measurements, failures named, resume does no work."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from hepar.clinical import MeasurementCode
from hepar.phantoms import cohort_plan, generate_clinical_record, generate_virtual_patient
from hepar.pipeline import RESULT_FILE, run_study

N_PATIENTS, SEED = 3, 2  # seed 2: one of three patients images through (see README)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("study") / "demo"
    return out, run_study(out, n_patients=N_PATIENTS, seed=SEED, preset="tiny").summary


def _truth_primary() -> tuple[int, int]:
    """Responders and evaluable patients counted directly from the cohort's 3-month
    measurements (RECIST 1.1, Eisenhauer 2009: PR = sum of targets in the treated volume at
    most 70 % of baseline, no new lesion there; "too small" = 5 mm, section 4.3)."""
    responders = evaluable = 0
    for member in cohort_plan(N_PATIENTS, seed=SEED):
        if member.fails is not None:
            continue
        record = generate_clinical_record(generate_virtual_patient(member.seed, "tiny"))
        reads, planned = record.recist, record.visits["treatment"] + timedelta(days=91)
        points = [p for p in reads.timepoints[1:] if abs((p.date - planned).days) <= 14]
        if not points:
            continue
        targets = [le.id for le in reads.lesions
                   if le.role.value == "target" and le.in_treated_volume]
        base = sum(float(reads.baseline.measurements_mm[t]) for t in targets)

        def mm(value: float | MeasurementCode) -> float:
            if value is MeasurementCode.TOO_SMALL:
                return 5.0
            return 0.0 if value is MeasurementCode.GONE else float(value)

        now = sum(mm(points[0].measurements_mm[t]) for t in targets)
        evaluable += 1
        if points[0].new_lesions_in_treated_volume is not True and now <= 0.7 * base:
            responders += 1
    return responders, evaluable


def test_primary_endpoint_equals_the_ground_truth_measurements(study: tuple[Path, dict]) -> None:
    _, summary = study
    responders, evaluable = _truth_primary()
    rate = summary["primary_endpoint_rate"]
    assert (rate["responders"], rate["evaluable"]) == (responders, evaluable)
    assert f"{responders}/{evaluable} = " in summary["primary_endpoint"]


def test_database_holds_the_cohort_and_one_dosimetry_run_per_imaged_patient(
        study: tuple[Path, dict]) -> None:
    out, summary = study
    screened = cohort_plan(N_PATIENTS, seed=SEED)
    with sqlite3.connect(out / "study.db") as db:
        patients = db.execute("select count(*) from patients").fetchone()[0]
        runs = db.execute("select count(*) from processing_runs").fetchone()[0]
        audit = db.execute("select count(*) from audit_log").fetchone()[0]
    assert patients == len(screened)  # enrolled and screen failures: every one screened
    assert runs == len(summary["imaging"]) >= 1
    assert audit > 0
    assert summary["audit_verified"] is True
    assert len(summary["imaging"]) + len(summary["failed"]) == N_PATIENTS


def test_failed_patients_are_named_with_their_error(study: tuple[Path, dict]) -> None:
    _, summary = study
    for failed in summary["failed"]:
        assert failed["patient_id"].startswith("HEPAR-V")
        assert failed["error"].endswith("Error") and failed["message"]


def test_report_pdf_shows_the_primary_endpoint_and_the_export_hash(
        study: tuple[Path, dict]) -> None:
    _, summary = study
    pdf = Path(summary["report_pdf"])
    assert pdf.is_file()
    text = " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(pdf).pages)
    rate = summary["primary_endpoint_rate"]
    assert f"{rate['responders']}/{rate['evaluable']} = {100 * rate['rate']:.1f} %" in text
    manifest_sha = summary["database_export_sha256"]
    assert manifest_sha[:16] in text.replace(" ", "")


def test_a_rerun_resumes_without_imaging_again(study: tuple[Path, dict]) -> None:
    out, first = study
    results = sorted((out / "patients").glob(f"*/{RESULT_FILE}"))
    before = {p: p.stat().st_mtime_ns for p in results}
    again = run_study(out, n_patients=N_PATIENTS, seed=SEED, preset="tiny", pdf=False).summary
    assert {p: p.stat().st_mtime_ns for p in results} == before
    assert [i["key"] for i in again["imaging"]] == [i["key"] for i in first["imaging"]]
    assert again["primary_endpoint"] == first["primary_endpoint"]
    assert json.loads((out / "study_summary.json").read_text())["patients"] == N_PATIENTS
