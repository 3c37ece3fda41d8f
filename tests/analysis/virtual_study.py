"""Analysis records of a small virtual study, built from hepar.phantoms (no imaging).

How the records are made (the demo builds the same from reconstructed scans and the store):

- screening: every member of :func:`hepar.phantoms.cohort_plan`; screen failures from
  :func:`screen_failure_candidate`, enrolled patients from their clinical record's candidate,
  each evaluated against the protocol (:func:`hepar.clinical.evaluate_eligibility`);
- per patient: the clinical record's RECIST reads, QoL answers, AEs, labs, death and last
  follow-up; dosimetry from the simulator's true dose maps (local deposition): post-treatment =
  ``ho166_treatment``, scout-predicted = ``ho166_scout`` scaled by treatment / scout activity;
- lesion level: every lesion of the truth with its true mean dose; its 3-month diameter is the
  model's true diameter plus the model's reader noise (SD ``reader_sd_mm``, rounded to 1 mm, as
  the simulator measures targets), drawn from a seeded stream, because the RECIST reads measure
  only two target lesions per patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepar.analysis import LesionRecord, PatientDosimetry, PatientRecord, ScreeningRecord
from hepar.clinical import (
    CriterionType,
    EligibilityResult,
    Protocol,
    Verdict,
    evaluate_eligibility,
)
from hepar.phantoms import (
    ClinicalRecord,
    DoseResponseModel,
    VirtualPatient,
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
    screen_failure_candidate,
)


@dataclass(frozen=True)
class VirtualStudy:
    screening: list[ScreeningRecord]
    patients: list[PatientRecord]
    records: list[ClinicalRecord]
    model: DoseResponseModel


def _failed(result: EligibilityResult) -> tuple[str, ...]:
    """Criteria that exclude: an inclusion not met, an exclusion met."""
    return tuple(c.id for c in result.criteria
                 if (c.type is CriterionType.INCLUSION and c.verdict is Verdict.NOT_MET)
                 or (c.type is CriterionType.EXCLUSION and c.verdict is Verdict.MET))


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _dosimetry(patient: VirtualPatient) -> PatientDosimetry:
    labels, anatomy = patient.labels, patient.anatomy
    treated = anatomy.treated_mask(labels)
    tumour = (labels.lesion > 0) & treated
    liver = labels.liver_with_lesions & (labels.lesion == 0)
    lung = np.zeros_like(liver)
    for name in ("lung right", "lung left"):
        if name in labels.organ:
            lung |= labels.organ[name]
    post, scout = patient.dose_gy["ho166_treatment"], patient.dose_gy["ho166_scout"]
    factor = patient.treatment.administered_mbq / patient.scout.administered_mbq
    lu = patient.dose_gy["lu177_cycles_1_4"]
    return PatientDosimetry(
        patient_id=patient.patient_id, tumour_predicted_gy=_mean(scout[tumour] * factor),
        tumour_gy=_mean(post[tumour]), non_tumour_liver_predicted_gy=_mean(scout[liver] * factor),
        non_tumour_liver_gy=_mean(post[liver]), lung_predicted_gy=_mean(scout[lung] * factor),
        lung_gy=_mean(post[lung]), lu177_tumour_gy=_mean(lu[tumour]),
        lu177_non_tumour_liver_gy=_mean(lu[liver]),
        administered_activity_mbq=patient.treatment.administered_mbq,
        source="true dose maps of the virtual patient (local deposition)")


def _lesions(record: ClinicalRecord, seed: int) -> list[LesionRecord]:
    rng = np.random.default_rng([seed, 3])
    out = []
    for truth in record.lesion_truth:
        relative = truth.relative_diameter.get("fu-3m")
        measured = None
        if relative is not None:
            value = truth.baseline_diameter_mm * relative + rng.normal(
                0.0, record.dose_response.reader_sd_mm)
            measured = float(max(round(value), 0.0))
        out.append(LesionRecord(record.patient_id, truth.id, truth.mean_dose_gy,
                                truth.baseline_diameter_mm, measured, truth.in_treated_volume))
    return out


def build_virtual_study(n_patients: int, protocol: Protocol, *, seed: int = 0,
                        model: DoseResponseModel | None = None) -> VirtualStudy:
    """The records of a ``tiny``-preset virtual study of ``n_patients`` enrolled patients."""
    model = model or DoseResponseModel()
    screening: list[ScreeningRecord] = []
    patients: list[PatientRecord] = []
    records: list[ClinicalRecord] = []
    for member in cohort_plan(n_patients, seed=seed):
        if member.fails is not None:
            result = evaluate_eligibility(screen_failure_candidate(member), protocol)
            screening.append(ScreeningRecord(member.patient_id, False, _failed(result)))
            continue
        patient = generate_virtual_patient(member.seed, "tiny")
        record = generate_clinical_record(patient, model)
        result = evaluate_eligibility(record.candidate, protocol)
        screening.append(ScreeningRecord(member.patient_id, not _failed(result),
                                         _failed(result), enrolled=True))
        records.append(record)
        patients.append(PatientRecord(
            patient_id=record.patient_id, treatment_date=record.visits["treatment"],
            recist=record.recist, qol=record.qol, adverse_events=record.adverse_events,
            labs=record.labs, death_date=record.outcome.death_date,
            last_known_alive=record.outcome.last_follow_up, dosimetry=_dosimetry(patient),
            lesions=_lesions(record, member.seed)))
    return VirtualStudy(screening, patients, records, model)
