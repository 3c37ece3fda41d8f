"""The demo study end to end on a 3-patient tiny cohort: database rows, audit chain, report PDF,
primary endpoint against the ground-truth measurements, the dose for 50 % response from the
reconstructed doses against the cohort's model, one dosimetry PDF per imaged patient, failures
named, resume does no work."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from scipy.optimize import brentq

from hepar.clinical import MeasurementCode
from hepar.phantoms import (
    DoseResponseModel,
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
)
from hepar.pipeline import RESULT_FILE, run_study

# seed 1: the three enrolled patients image through, with 28 treated lesions (seed 2 has 5,
# too few for a dose-response fit)
N_PATIENTS, SEED = 3, 1

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
    truth = summary["truth_checks"]["primary_endpoint_truth"]
    assert (truth["responders"], truth["evaluable"]) == (responders, evaluable)


def test_d50_from_reconstructed_doses_recovers_the_model_within_25_percent(
        study: tuple[Path, dict]) -> None:
    # The model's D50 at 3 months: the dose whose expected diameter is 70 % of baseline on day
    # 91 (reader noise is symmetric), solved from the model's law here, not by hepar.
    model = DoseResponseModel()
    truth_gy = brentq(lambda d: model.relative_diameter(d, 91.0) - 0.7, 0.0, 5000.0)
    checks = study[1]["truth_checks"]
    assert checks["model_d50_gy"] == pytest.approx(truth_gy, rel=1e-6)
    fit = checks["fits"]["reconstructed"]  # the analysis's: lesions above the resolution limit
    assert fit["d50_gy"] is not None, fit["note"]
    assert fit["d50_gy"] == pytest.approx(truth_gy, rel=0.25)  # issue 12's tolerance
    assert fit["n_excluded_below_resolution"] > 0
    assert study[1]["dose_for_50pct_response_gy"] == fit["d50_gy"]


def test_small_lesions_lose_their_dose_to_partial_volume(study: tuple[Path, dict]) -> None:
    # Why lesions below the resolution limit are left out: at 14.4 mm pixels a lesion under
    # 20 mm keeps about half its true dose in its VOI, one over 30 mm most of it (measured here
    # on 0.45 and 0.92 of the true dose); the phantom's recovery falls with size the same way.
    _, summary = study
    small, large = [], []
    for found in summary["imaging"]:
        seed = next(m.seed for m in cohort_plan(N_PATIENTS, seed=SEED)
                    if m.patient_id == found["patient_id"])
        record = generate_clinical_record(generate_virtual_patient(seed, "tiny"))
        for t in record.lesion_truth:
            if t.id in found["lesion_dose_gy"] and not 20.0 <= t.baseline_diameter_mm < 30.0:
                ratio = found["lesion_dose_gy"][t.id] / t.mean_dose_gy
                (small if t.baseline_diameter_mm < 20.0 else large).append(ratio)
    assert small and large
    assert float(np.median(small)) < 0.7 < 0.8 < float(np.median(large))
    recovery = summary["truth_checks"]["recovery"]["recovery"]
    assert all(0.1 < rc < 1.0 for rc in recovery) and recovery[-1] > recovery[0]


def test_one_dosimetry_pdf_per_imaged_patient_with_the_dose_table_of_hepar_dose(
        study: tuple[Path, dict]) -> None:
    _, summary = study
    reports = summary["patient_dosimetry_reports"]
    assert sorted(reports) == sorted(i["patient_id"] for i in summary["imaging"])
    for found in summary["imaging"]:
        reader = PdfReader(reports[found["patient_id"]])
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
        assert len(reader.pages) >= 3
        for title in ("Table 1: Treatment plan", "Table 3: Scout-predicted dose per VOI",
                      "Table 5: Dose per VOI", "Figure 1: Post-treatment dose on CT",
                      "Figure 2: Scout 166Ho SPECT on CT", "Figure 3: Cumulative DVHs"):
            assert title in text
        # the report's dose table (from its DVHs) shows hepar dose's own VOI means
        table = text.split("Table 5: Dose per VOI")[1].split("Figure 3")[0]
        dose = json.loads((Path(found["folder"]) / "dose" / "summary.json").read_text())
        for row in dose["voi_metrics"]:
            if row["name"] in ("liver", "lungs") or row["name"].startswith("tumour "):
                assert f"{row['name']} {row['mass_g']:.1f} {row['mean_gy']:.1f} " in table


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


def test_the_end_of_the_demo_prints_the_truth_checks(study: tuple[Path, dict]) -> None:
    from hepar.services.study_demo import truth_lines

    _, summary = study
    rate = summary["primary_endpoint_rate"]
    fit = summary["truth_checks"]["fits"]["reconstructed"]
    lines = truth_lines(summary)
    assert lines[0] == f"Patients imaged: {len(summary['imaging'])}, failed in imaging: " \
                       f"{len(summary['failed'])}"
    counts = f"{rate['responders']}/{rate['evaluable']}"
    assert lines[1] == f"Primary endpoint vs ground-truth reads: {counts} vs {counts}"
    assert lines[2].startswith("D50 (model 169 Gy): reconstructed ")
    assert f"reconstructed {fit['d50_gy']:.0f} Gy ({fit['error_pct']:+.0f} %)" in lines[2]
