"""Use case: the demo study's records, database, analysis and reports (``hepar demo --patients``).

The per-patient imaging comes from :mod:`hepar.pipeline` as typed results; this use case

1. loads the cohort's clinical records into the embedded study database through the audited
   use cases (:func:`hepar.services.study_virtual.load_virtual_patients`) and records each
   patient's reconstruction-based dosimetry as a processing run (inputs' SHA-256, parameters,
   version, outputs);
2. builds the analysis records: screening and follow-up from the cohort's clinical records,
   dosimetry and lesion doses from the reconstruction (never from the true maps), each lesion's
   3-month diameter from the cohort's model with its reader noise (as
   ``tests/analysis/virtual_study.py`` does, because the RECIST reads measure two targets only);
   a lesion whose VOI recovers less than half its counts on the sphere phantom of
   :mod:`hepar.services.study_recovery` (about 23 mm at the ``tiny`` preset's 14.4 mm pixels)
   is below the resolution limit: its VOI mean is mostly spill, and it is left out of the
   dose-response (``LesionRecord.dose_reliable``); with every lesion the D50 comes out low
   (partial-volume loss of the small lesions);
3. runs :func:`hepar.analysis.analyse_study`, exports the database (CSV) and writes the study
   report with the export's SHA-256 in its provenance, and one dosimetry report (PDF) per
   imaged patient (:mod:`hepar.services.study_patient_report`);
4. checks the analysis against the cohort's truth (:func:`truth_checks`): the dose for 50 %
   response of the cohort's dose-response model against the ones fitted on the reconstructed
   doses (the analysis's), on all lesions, on the recovery-corrected doses and on true doses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PatientImagingResult", "StudyOutcome", "StudyRecords", "finish_study",
           "truth_checks", "truth_lines"]


#: What hepar.pipeline hands over per patient (its ``PatientImaging``: the plan and doses from
#: the reconstruction, ``lesion_dose_gy``, ``inputs_sha256``, ``key``). Typed loosely here
#: because the services layer may not import the pipeline above it.
PatientImagingResult = Any


@dataclass(frozen=True)
class StudyOutcome:
    """Where the study's outputs are and its headline."""

    database: Path
    report_html: Path
    report_pdf: Path | None
    export_sha256: str
    headline: str
    audit_ok: bool
    analysis: Any
    patient_reports: dict[str, Path]
    checks: dict[str, Any]


@dataclass(frozen=True)
class StudyRecords:
    """The analysis records of the cohort and the lesion sets of the truth checks.

    ``lesion_sets`` for the imaged patients, each lesion flagged ``dose_reliable`` from its
    VOI's recovery coefficient: ``reconstructed`` (the VOI means, the analysis's),
    ``reconstructed_recovery_corrected`` (divided by the phantom's RC), ``true_imaged`` (the
    same lesions' true mean doses); ``reconstructed_all_lesions``, the VOI means with no lesion
    flagged; ``true_all``, every enrolled patient's lesions with their true doses, none
    flagged (the reference without imaging).
    """

    screening: list[Any]
    patients: list[Any]
    records: list[Any]
    lesion_sets: dict[str, list[Any]]
    model: Any


def _failed(result: Any) -> tuple[str, ...]:
    from hepar.clinical import CriterionType, Verdict

    return tuple(c.id for c in result.criteria
                 if (c.type is CriterionType.INCLUSION and c.verdict is Verdict.NOT_MET)
                 or (c.type is CriterionType.EXCLUSION and c.verdict is Verdict.MET))


def _measured_diameters(record: Any, seed: int) -> dict[str, float | None]:
    """3-month diameters: the model's true diameter plus its reader noise, rounded to 1 mm
    (the recipe of tests/analysis/virtual_study.py, same seeded stream)."""
    rng = np.random.default_rng([seed, 3])
    out: dict[str, float | None] = {}
    for truth in record.lesion_truth:
        relative = truth.relative_diameter.get("fu-3m")
        measured = None
        if relative is not None:
            value = truth.baseline_diameter_mm * relative + rng.normal(
                0.0, record.dose_response.reader_sd_mm)
            measured = float(max(round(value), 0.0))
        out[truth.id] = measured
    return out


def _voi_volumes_ml(found: PatientImagingResult) -> dict[str, float]:
    """Each lesion's VOI volume (mL on the SPECT grid) from its patient's ``hepar dose``
    summary: the row whose mean is the lesion's dose (the pipeline took it from that row)."""
    summary = json.loads((Path(found.folder) / "dose" / "summary.json").read_text(
        encoding="utf-8"))
    rows = [r for r in summary["lesions"] if r.get("mean_gy") is not None]
    return {lid: float(next(r["volume_ml"] for r in rows if r["mean_gy"] == dose))
            for lid, dose in found.lesion_dose_gy.items()}


def analysis_records(n_patients: int, seed: int, preset: str,
                     imaging: Mapping[str, PatientImagingResult], protocol: Any,
                     recovery: Any = None) -> StudyRecords:
    """The cohort's records, dosimetry from ``imaging``; lesion doses divided by the recovery
    coefficients of ``recovery`` (a :class:`~hepar.services.study_recovery.RecoveryCurve`;
    ``None``: uncorrected)."""
    from hepar.analysis import LesionRecord, PatientDosimetry, PatientRecord, ScreeningRecord
    from hepar.clinical import evaluate_eligibility
    from hepar.phantoms import (
        cohort_plan,
        generate_clinical_record,
        generate_virtual_patient,
        screen_failure_candidate,
    )

    screening, patients, records = [], [], []
    sets: dict[str, list[Any]] = {"reconstructed": [], "reconstructed_all_lesions": [],
                                  "reconstructed_recovery_corrected": [],
                                  "true_imaged": [], "true_all": []}
    model = None
    for member in cohort_plan(n_patients, seed=seed):
        if member.fails is not None:
            result = evaluate_eligibility(screen_failure_candidate(member), protocol)
            screening.append(ScreeningRecord(member.patient_id, False, _failed(result)))
            continue
        patient = generate_virtual_patient(member.seed, preset)
        record = generate_clinical_record(patient)
        model = record.dose_response
        result = evaluate_eligibility(record.candidate, protocol)
        screening.append(ScreeningRecord(member.patient_id, not _failed(result),
                                         _failed(result), enrolled=True))
        records.append(record)
        measured = _measured_diameters(record, member.seed)
        sets["true_all"] += [LesionRecord(record.patient_id, t.id, t.mean_dose_gy,
                                          t.baseline_diameter_mm, measured[t.id],
                                          t.in_treated_volume) for t in record.lesion_truth]
        found = imaging.get(member.patient_id)
        clinical: dict[str, Any] = {
            "patient_id": record.patient_id, "treatment_date": record.visits["treatment"],
            "recist": record.recist, "qol": record.qol, "adverse_events": record.adverse_events,
            "labs": record.labs, "death_date": record.outcome.death_date,
            "last_known_alive": record.outcome.last_follow_up}
        if found is None:  # its imaging failed: enrolled and followed up, no dosimetry
            patients.append(PatientRecord(**clinical))
            continue
        volumes = _voi_volumes_ml(found) if recovery is not None else {}
        imaged = [t for t in record.lesion_truth if t.id in found.lesion_dose_gy]
        measured_gy = [found.lesion_dose_gy[t.id] for t in imaged]
        doses = {"reconstructed": measured_gy, "true_imaged": [t.mean_dose_gy for t in imaged],
                 "reconstructed_recovery_corrected": measured_gy if recovery is None else [
                     recovery.corrected_gy(d, volumes[t.id]) for d, t in zip(
                         measured_gy, imaged, strict=True)]}
        reliable = [recovery is None or recovery.reliable(volumes[t.id]) for t in imaged]
        for name, values in doses.items():
            sets[name] += [LesionRecord(record.patient_id, t.id, float(dose),
                                        t.baseline_diameter_mm, measured[t.id], True, ok)
                           for t, dose, ok in zip(imaged, values, reliable, strict=True)]
        sets["reconstructed_all_lesions"] += [
            LesionRecord(record.patient_id, t.id, float(dose), t.baseline_diameter_mm,
                         measured[t.id], True) for t, dose in zip(imaged, measured_gy, strict=True)]
        dosimetry = PatientDosimetry(
            patient_id=record.patient_id, tumour_predicted_gy=found.tumour_predicted_gy,
            tumour_gy=found.tumour_gy,
            non_tumour_liver_predicted_gy=found.non_tumour_liver_predicted_gy,
            non_tumour_liver_gy=found.non_tumour_liver_gy,
            lung_predicted_gy=found.lung_predicted_gy, lung_gy=found.lung_gy,
            administered_activity_mbq=patient.treatment.administered_mbq,
            source="hepar recon of the simulated SPECT -> hepar plan / hepar dose "
                   "(local deposition)")
        patients.append(PatientRecord(**clinical, dosimetry=dosimetry,
                                      lesions=sets["reconstructed"][-len(imaged):]
                                      if imaged else []))
    return StudyRecords(screening, patients, records, sets, model)


def truth_checks(study: StudyRecords, protocol: Any) -> dict[str, Any]:
    """The analysis against the cohort's truth: the model's dose for 50 % response at the
    primary visit (:func:`hepar.analysis.dose_for_response` on the cohort's
    ``DoseResponseModel``) and the D50 fitted on each lesion set (:class:`StudyRecords`), with
    its relative error; the primary endpoint counted directly from the 3-month reads
    (:func:`truth_primary`)."""
    from hepar.analysis import dose_for_response, dose_response

    plan = protocol.analysis
    days = float(next(v.offset_days for v in protocol.visits if v.id == plan.primary_visit))
    model_gy = None if study.model is None else dose_for_response(
        study.model.relative_diameter, days=days,
        decrease_pct=plan.lesion_response_decrease_pct)
    fits: dict[str, Any] = {}
    for name, lesions in study.lesion_sets.items():
        fit = dose_response(lesions, decrease_pct=plan.lesion_response_decrease_pct,
                            confidence_level=plan.confidence_level)
        error = None if fit.d50_gy is None or not model_gy else round(
            100.0 * (fit.d50_gy - model_gy) / model_gy, 1)
        fits[name] = {"d50_gy": fit.d50_gy, "d50_lower_gy": fit.d50_lower_gy,
                      "d50_upper_gy": fit.d50_upper_gy, "n_lesions": fit.n_lesions,
                      "n_patients": fit.n_patients, "error_pct": error,
                      "n_excluded_below_resolution": fit.n_excluded_unreliable,
                      "note": fit.note or None}
    responders, evaluable = truth_primary(study.records, days, protocol)
    return {"model_d50_gy": model_gy, "primary_visit_day": days, "fits": fits,
            "primary_endpoint_truth": {"responders": responders, "evaluable": evaluable,
                                       "rate": responders / evaluable if evaluable else None}}


def truth_primary(records: Sequence[Any], days: float, protocol: Any) -> tuple[int, int]:
    """Responders and evaluable patients counted from the clinical records' reads at the
    primary visit (within its protocol window): RECIST 1.1 partial response or better on the
    sum of the target lesions in the treated volume (at most 70 % of baseline, Eisenhauer et
    al., Eur J Cancer 2009;45:228, section 4.3.1; "too small" counts 5 mm, "gone" 0 mm), and no
    new lesion in the treated volume."""
    from hepar.clinical import PR_FRACTION, TOO_SMALL_MM, MeasurementCode

    plan = protocol.analysis
    visit = next(v for v in protocol.visits if v.id == plan.primary_visit)
    responders = evaluable = 0
    for record in records:
        reads = record.recist
        planned = record.visits["treatment"] + timedelta(days=days)
        points = [p for p in reads.timepoints[1:]
                  if -visit.window_before_days <= (p.date - planned).days
                  <= visit.window_after_days]
        if not points:
            continue
        targets = [le.id for le in reads.lesions
                   if le.role.value == "target" and le.in_treated_volume]
        base = sum(float(reads.baseline.measurements_mm[t]) for t in targets)

        def mm(value: Any) -> float:
            if value is MeasurementCode.TOO_SMALL:
                return TOO_SMALL_MM
            return 0.0 if value is MeasurementCode.GONE else float(value)

        now = sum(mm(points[0].measurements_mm[t]) for t in targets)
        evaluable += 1
        if (points[0].new_lesions_in_treated_volume is not True
                and now <= (1.0 - PR_FRACTION) * base):
            responders += 1
    return responders, evaluable


def _store_imaging(store: Any, imaging: Sequence[PatientImagingResult], preset: str) -> None:
    import hepar

    from .study_records import record_processing_run

    now = datetime.now(UTC)
    for found in imaging:
        record_processing_run(
            store, "virtual.physicist", study_id=found.patient_id, kind="dosimetry",
            inputs_sha256=found.inputs_sha256,
            parameters={"pipeline_key": found.key, "preset": preset, "method": "local",
                        "nuclide": "Ho-166"},
            software_version=hepar.__version__,
            outputs={"planned_activity_mbq": found.planned_activity_mbq,
                     "lung_shunt_fraction": found.lung_shunt_fraction,
                     "tumour_gy": found.tumour_gy, "non_tumour_liver_gy":
                     found.non_tumour_liver_gy, "lung_gy": found.lung_gy,
                     "lesion_dose_gy": found.lesion_dose_gy},
            started_at=now, finished_at=now)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finish_study(out: Path, *, n_patients: int, seed: int, preset: str,
                 imaging: Sequence[PatientImagingResult], pdf: bool = True) -> StudyOutcome:
    """Database, analysis and reports of the demo study under ``out`` (``study.db``,
    ``export/``, ``recovery/``, ``report/``, ``dosimetry_reports/<ID>/``); the database is
    rebuilt from the cohort and ``imaging``."""
    from hepar.analysis import analyse_study
    from hepar.io import load_protocol, load_study_questionnaires
    from hepar.reports import Provenance, sha256_bytes, write_study_report
    from hepar.store import Store

    from .study_data import export_study, upgrade_database, verify_audit_trail
    from .study_patient_report import write_patient_report
    from .study_recovery import recovery_for_study
    from .study_virtual import load_virtual_patients

    database = out / "study.db"
    for stale in (database, database.with_name("study.db-wal"),
                  database.with_name("study.db-shm")):
        stale.unlink(missing_ok=True)
    store = Store(f"sqlite:///{database}")
    upgrade_database(store)
    load_virtual_patients(store, n_patients=n_patients, seed=seed)
    _store_imaging(store, imaging, preset)
    audit = verify_audit_trail(store)
    export_study(store, out / "export", format="csv", overwrite=True)
    export_sha = _sha256(out / "export" / "manifest.csv")
    store.engine.dispose()

    protocol = load_protocol("registry")
    recovery = recovery_for_study(out / "recovery", preset) if imaging else None
    by_id = {found.patient_id: found for found in imaging}
    study = analysis_records(n_patients, seed, preset, by_id, protocol, recovery)
    notes = [f"Virtual study of {n_patients} enrolled patients (hepar.phantoms, seed {seed}, "
             f"{preset} preset); dosimetry from hepar recon of the simulated projections; "
             "the dose-response leaves out lesions below the resolution limit (recovery "
             "coefficient < 0.5 on a simulated sphere phantom, hepar.services.study_recovery)."]
    analysis = analyse_study(study.screening, study.patients, protocol,
                             questionnaires=load_study_questionnaires(), notes=notes)
    protocol_text = json.dumps(protocol.model_dump(mode="json"), sort_keys=True)
    provenance = Provenance(
        protocol_label="registry", protocol_sha256=sha256_bytes(protocol_text.encode()),
        database_export_sha256=export_sha,
        inputs={f"{found.patient_id} imaging": found.key for found in imaging})
    paths = write_study_report(analysis, out / "report", provenance, pdf=pdf)
    reports: dict[str, Path] = {}
    if pdf:
        treated = {r.patient_id: r.visits["treatment"].isoformat() for r in study.records}
        for found in imaging:
            written = write_patient_report(
                Path(found.folder), found.patient_id,
                out / "dosimetry_reports" / found.patient_id,
                Provenance(protocol_label="registry", protocol_sha256=provenance.protocol_sha256,
                           inputs=found.inputs_sha256),
                treatment_date=treated.get(found.patient_id, ""))
            reports[found.patient_id] = written.pdf
    checks = truth_checks(study, protocol)
    checks["recovery"] = None if recovery is None else {
        "diameters_mm": list(recovery.diameters_mm), "recovery": list(recovery.recovery),
        "file": str(out / "recovery" / "recovery.json")}
    return StudyOutcome(database=database, report_html=paths.html, report_pdf=paths.pdf,
                        export_sha256=export_sha, headline=analysis.headline(),
                        audit_ok=bool(audit.ok), analysis=analysis, patient_reports=reports,
                        checks=checks)


def truth_lines(summary: dict[str, Any]) -> list[str]:
    """The lines ``hepar demo --patients`` prints after the primary endpoint: patients imaged and
    failed, the primary endpoint against the ground-truth reads, the D50s against the model's
    (from ``study_summary.json``'s ``truth_checks``)."""
    checks = summary.get("truth_checks") or {}
    truth = checks.get("primary_endpoint_truth") or {}
    rate = summary.get("primary_endpoint_rate") or {}
    lines = [f"Patients imaged: {summary['patients_imaged']}, failed in imaging: "
             f"{summary['patients_failed']}",
             f"Primary endpoint vs ground-truth reads: {rate.get('responders')}/"
             f"{rate.get('evaluable')} vs {truth.get('responders')}/{truth.get('evaluable')}"]
    model = checks.get("model_d50_gy")
    labels = {"reconstructed": "reconstructed", "reconstructed_all_lesions":
              "reconstructed incl. lesions below the resolution limit",
              "true_imaged": "true doses"}
    parts = []
    for key, label in labels.items():
        fit = (checks.get("fits") or {}).get(key) or {}
        if fit.get("d50_gy") is None:
            parts.append(f"{label} not fitted")
        else:
            parts.append(f"{label} {fit['d50_gy']:.0f} Gy ({fit['error_pct']:+.0f} %)")
    if model is not None:
        lines.append(f"D50 (model {model:.0f} Gy): " + "; ".join(parts))
    return lines
