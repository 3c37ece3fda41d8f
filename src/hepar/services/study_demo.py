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
3. runs :func:`hepar.analysis.analyse_study`, exports the database (CSV) and writes the study
   report with the export's SHA-256 in its provenance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PatientImagingResult", "StudyOutcome", "finish_study"]


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


def analysis_records(n_patients: int, seed: int, preset: str,
                     imaging: Mapping[str, PatientImagingResult], protocol: Any
                     ) -> tuple[list[Any], list[Any], list[Any]]:
    """(screening, patients, clinical records) of the cohort, dosimetry from ``imaging``."""
    from hepar.analysis import LesionRecord, PatientDosimetry, PatientRecord, ScreeningRecord
    from hepar.clinical import evaluate_eligibility
    from hepar.phantoms import (
        cohort_plan,
        generate_clinical_record,
        generate_virtual_patient,
        screen_failure_candidate,
    )

    screening, patients, records = [], [], []
    for member in cohort_plan(n_patients, seed=seed):
        if member.fails is not None:
            result = evaluate_eligibility(screen_failure_candidate(member), protocol)
            screening.append(ScreeningRecord(member.patient_id, False, _failed(result)))
            continue
        patient = generate_virtual_patient(member.seed, preset)
        record = generate_clinical_record(patient)
        result = evaluate_eligibility(record.candidate, protocol)
        screening.append(ScreeningRecord(member.patient_id, not _failed(result),
                                         _failed(result), enrolled=True))
        found = imaging.get(member.patient_id)
        if found is None:  # its imaging failed: enrolled and followed up, no dosimetry
            records.append(record)
            patients.append(PatientRecord(
                patient_id=record.patient_id, treatment_date=record.visits["treatment"],
                recist=record.recist, qol=record.qol, adverse_events=record.adverse_events,
                labs=record.labs, death_date=record.outcome.death_date,
                last_known_alive=record.outcome.last_follow_up))
            continue
        measured = _measured_diameters(record, member.seed)
        lesions = [LesionRecord(record.patient_id, t.id, found.lesion_dose_gy[t.id],
                                t.baseline_diameter_mm, measured[t.id], True)
                   for t in record.lesion_truth if t.id in found.lesion_dose_gy]
        dosimetry = PatientDosimetry(
            patient_id=record.patient_id, tumour_predicted_gy=found.tumour_predicted_gy,
            tumour_gy=found.tumour_gy,
            non_tumour_liver_predicted_gy=found.non_tumour_liver_predicted_gy,
            non_tumour_liver_gy=found.non_tumour_liver_gy,
            lung_predicted_gy=found.lung_predicted_gy, lung_gy=found.lung_gy,
            administered_activity_mbq=patient.treatment.administered_mbq,
            source="hepar recon of the simulated SPECT -> hepar plan / hepar dose "
                   "(local deposition)")
        records.append(record)
        patients.append(PatientRecord(
            patient_id=record.patient_id, treatment_date=record.visits["treatment"],
            recist=record.recist, qol=record.qol, adverse_events=record.adverse_events,
            labs=record.labs, death_date=record.outcome.death_date,
            last_known_alive=record.outcome.last_follow_up, dosimetry=dosimetry,
            lesions=lesions))
    return screening, patients, records


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
    """Database, analysis and report of the demo study under ``out`` (``study.db``,
    ``export/``, ``report/``); the database is rebuilt from the cohort and ``imaging``."""
    from hepar.analysis import analyse_study
    from hepar.io import load_protocol, load_study_questionnaires
    from hepar.reports import Provenance, sha256_bytes, write_study_report
    from hepar.store import Store

    from .study_data import export_study, upgrade_database, verify_audit_trail
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
    by_id = {found.patient_id: found for found in imaging}
    screening, patients, _ = analysis_records(n_patients, seed, preset, by_id, protocol)
    notes = [f"Virtual study of {n_patients} enrolled patients (hepar.phantoms, seed {seed}, "
             f"{preset} preset); dosimetry from hepar recon of the simulated projections."]
    analysis = analyse_study(screening, patients, protocol,
                             questionnaires=load_study_questionnaires(), notes=notes)
    protocol_text = json.dumps(protocol.model_dump(mode="json"), sort_keys=True)
    provenance = Provenance(
        protocol_label="registry", protocol_sha256=sha256_bytes(protocol_text.encode()),
        database_export_sha256=export_sha,
        inputs={f"{found.patient_id} imaging": found.key for found in imaging})
    paths = write_study_report(analysis, out / "report", provenance, pdf=pdf)
    return StudyOutcome(database=database, report_html=paths.html, report_pdf=paths.pdf,
                        export_sha256=export_sha, headline=analysis.headline(),
                        audit_ok=bool(audit.ok), analysis=analysis)
