"""The clinical record of a virtual patient, as typed records of :mod:`hepar.clinical`.

Built from the patient's anatomy, timeline and true doses with a seeded stream. Nothing here is
patient data; magnitudes are plausible for grade 1-2 NET after 177Lu-dotatate, not fitted.

* Demographics, weight (the phantom's), height, WHO PS, 177Lu cycles (dates, 7400 MBq).
* Labs with units and the reporting lab's ULN/LLN in Dutch units (bilirubin and creatinine in
  umol/L, Hb in mmol/L) at every visit: screening, scout, treatment, 2 and 6 weeks and 3, 6 and
  12 months.
* QoL answers: QLQ-C30 items 1-30 and QLQ-GI.NET21 items 31-51, at screening, 3 and 6 months.
* RECIST 1.1 reads (baseline = screening CT; 3, 6 and 12 months) whose diameters follow the
  tumour dose-response model of :class:`DoseResponseModel`, with reader noise.
* Adverse events with CTCAE v4.03 terms and grades, dates of progression and death or
  censoring.

Attestations are recorded for the criteria of the shipped protocols that need one (ids I3, I5,
E1, E10, E12, E13, E18), by the named virtual investigator.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from hepar.clinical import (
    AdverseEvent,
    Attestation,
    BaselineLesion,
    Candidate,
    LabValue,
    Lesion,
    LutetiumCycle,
    QuestionnaireAnswers,
    RecistReads,
    RecistSettings,
    TimePoint,
)

from ._patient import VirtualPatient
from ._seeding import SITE_TIMEZONE, stream

__all__ = [
    "ATTESTED_CRITERIA",
    "LAB_REFERENCES",
    "ClinicalRecord",
    "Demographics",
    "DoseResponseModel",
    "LabReference",
    "LesionTruth",
    "Outcome",
    "build_candidate",
    "draw_demographics",
    "generate_clinical_record",
    "lab_values",
]

#: Criteria of the shipped protocols (registry and paper-v6) that need an attestation, and
#: whether the criterion as written holds for an eligible patient (exclusions: False).
ATTESTED_CRITERIA: dict[str, bool] = {
    "I3": True, "I5": True, "E1": False, "E10": False, "E12": False, "E13": False, "E18": False,
}
INVESTIGATOR = "virtual investigator"


@dataclass(frozen=True)
class LabReference:
    """A lab's reference range in its unit (Dutch hospital conventions)."""

    unit: str
    lln: float | None
    uln: float | None
    typical: float
    spread: float


#: Reference ranges by sex ("male", "female"); typical values of a grade 1-2 NET patient after
#: four cycles of 177Lu-dotatate (mild lymphopenia and thrombocytopenia are common).
LAB_REFERENCES: dict[str, dict[str, LabReference]] = {
    "male": {
        "bilirubin": LabReference("umol/L", None, 17.0, 9.0, 0.3),
        "creatinine": LabReference("umol/L", 60.0, 110.0, 85.0, 0.15),
        "haemoglobin": LabReference("mmol/L", 8.5, 11.0, 8.4, 0.07),
        "albumin": LabReference("g/L", 35.0, 50.0, 41.0, 0.07),
        "alt": LabReference("U/L", None, 45.0, 28.0, 0.35),
        "ast": LabReference("U/L", None, 35.0, 27.0, 0.3),
        "alp": LabReference("U/L", None, 120.0, 110.0, 0.35),
        "ggt": LabReference("U/L", None, 60.0, 55.0, 0.5),
        "platelets": LabReference("10^9/L", 150.0, 400.0, 175.0, 0.25),
        "leukocytes": LabReference("10^9/L", 4.0, 10.0, 5.4, 0.2),
        "neutrophils": LabReference("10^9/L", 1.5, 7.5, 3.5, 0.25),
        "lymphocytes": LabReference("10^9/L", 1.0, 3.5, 0.95, 0.3),
    },
    "female": {
        "bilirubin": LabReference("umol/L", None, 17.0, 8.0, 0.3),
        "creatinine": LabReference("umol/L", 45.0, 90.0, 68.0, 0.15),
        "haemoglobin": LabReference("mmol/L", 7.5, 10.0, 7.7, 0.07),
        "albumin": LabReference("g/L", 35.0, 50.0, 40.0, 0.07),
        "alt": LabReference("U/L", None, 35.0, 22.0, 0.35),
        "ast": LabReference("U/L", None, 30.0, 24.0, 0.3),
        "alp": LabReference("U/L", None, 120.0, 105.0, 0.35),
        "ggt": LabReference("U/L", None, 40.0, 45.0, 0.5),
        "platelets": LabReference("10^9/L", 150.0, 400.0, 185.0, 0.25),
        "leukocytes": LabReference("10^9/L", 4.0, 10.0, 5.6, 0.2),
        "neutrophils": LabReference("10^9/L", 1.5, 7.5, 3.6, 0.25),
        "lymphocytes": LabReference("10^9/L", 1.0, 3.5, 1.0, 0.3),
    },
}


@dataclass(frozen=True)
class DoseResponseModel:
    """How a lesion's size evolves after 166Ho (the model is kept in the ground truth).

    Log-linear cell kill, clearance of the killed cells and regrowth of the survivors:

    .. math:: \\frac{V(t)}{V_0} = \\big[S + (1 - S)\\,e^{-t/\\tau}\\big]\\,e^{g t},\\qquad
              S = e^{-\\alpha D},\\qquad d(t) = d_0\\,(V(t)/V_0)^{1/3}

    with the lesion's mean absorbed dose D (166Ho treatment, local deposition), radiosensitivity
    alpha, clearance time tau and growth rate g = ln 2 / doubling time (untreated lesions have
    D = 0). Measured diameters add reader noise (SD ``reader_sd_mm``) and are rounded to 1 mm.
    New lesions appear as a Poisson process (rate ``new_lesion_rate_per_year``).
    """

    alpha_per_gy: float = 0.01
    clearance_days: float = 45.0
    doubling_days: float = 400.0
    reader_sd_mm: float = 1.5
    new_lesion_rate_per_year: float = 0.35

    def relative_diameter(self, dose_gy: float, days: float) -> float:
        """d(t) / d0 for a lesion given ``dose_gy``, ``days`` after treatment."""
        survival = math.exp(-self.alpha_per_gy * dose_gy)
        growth = math.log(2.0) / self.doubling_days
        volume = (survival + (1.0 - survival) * math.exp(-days / self.clearance_days)) * math.exp(
            growth * days)
        return float(volume ** (1.0 / 3.0))


@dataclass(frozen=True)
class LesionTruth:
    """The true course of one lesion under the dose-response model."""

    id: str
    number: int
    baseline_diameter_mm: float
    mean_dose_gy: float
    in_treated_volume: bool
    relative_diameter: dict[str, float]


@dataclass(frozen=True)
class Outcome:
    """True progression (model), death and censoring dates."""

    progression_date: date | None
    progression_cause: str | None
    death_date: date | None
    censored_on: date | None
    last_follow_up: date


@dataclass(frozen=True, eq=False)
class ClinicalRecord:
    """Everything recorded about one virtual patient in the study."""

    patient_id: str
    candidate: Candidate
    visits: dict[str, date]
    labs: list[LabValue]
    qol: dict[str, QuestionnaireAnswers]
    recist: RecistReads
    adverse_events: list[AdverseEvent]
    outcome: Outcome
    dose_response: DoseResponseModel
    lesion_truth: list[LesionTruth] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the records as :mod:`hepar.clinical` reads them back."""
        return {
            "patient_id": self.patient_id,
            "candidate": self.candidate.model_dump(mode="json"),
            "visits": {k: v.isoformat() for k, v in self.visits.items()},
            "labs": [lab.model_dump(mode="json") for lab in self.labs],
            "qol": {k: v.model_dump(mode="json") for k, v in self.qol.items()},
            "recist": self.recist.model_dump(mode="json"),
            "adverse_events": [ae.model_dump(mode="json") for ae in self.adverse_events],
            "outcome": {k: (v.isoformat() if isinstance(v, date) else v)
                        for k, v in asdict(self.outcome).items()},
        }

    def truth_json(self) -> dict[str, Any]:
        """The model behind the record (for truth.json)."""
        return {"dose_response_model": asdict(self.dose_response),
                "lesions": [asdict(t) for t in self.lesion_truth],
                "true_progression_date": None if self.outcome.progression_date is None
                else self.outcome.progression_date.isoformat(),
                "progression_cause": self.outcome.progression_cause}


def lab_values(rng: np.random.Generator, sex: str, day: date,
               shift: dict[str, float] | None = None) -> list[LabValue]:
    """One visit's labs (Dutch units) with the lab's ULN/LLN, optionally shifted by factors."""
    shift = shift or {}
    out = []
    for analyte, ref in LAB_REFERENCES[sex].items():
        value = ref.typical * math.exp(rng.normal(0.0, ref.spread)) * shift.get(analyte, 1.0)
        digits = 1 if ref.unit in ("mmol/L", "10^9/L", "g/L") and analyte != "platelets" else 0
        out.append(LabValue(analyte=analyte, value=round(max(value, 0.0), digits),
                            unit=ref.unit, lln=ref.lln, uln=ref.uln, sampled_on=day))
    return out


def _qol(rng: np.random.Generator, wellbeing: float, day: date) -> QuestionnaireAnswers:
    """Answers to QLQ-C30 (1-30) and GI.NET21 (31-51): worse ``wellbeing`` (0..1) means
    higher symptom and lower function answers."""
    answers: dict[int, int | None] = {}
    for item in range(1, 52):
        if item in (29, 30):  # global health 1 (very poor) .. 7 (excellent)
            answers[item] = int(np.clip(round(7 - 5.0 * wellbeing + rng.normal(0, 0.7)), 1, 7))
        else:
            answers[item] = int(np.clip(round(1 + 2.6 * wellbeing + rng.normal(0, 0.6)), 1, 4))
    if rng.random() < 0.05:  # an occasional unanswered item
        answers[int(rng.integers(1, 52))] = None
    return QuestionnaireAnswers(answers=answers, completed_on=day)


@dataclass(frozen=True)
class Demographics:
    """Who the patient is."""

    sex: str
    birth_date: date
    height_cm: float
    who_performance_status: int
    unresolved_toxicity_grade: int


def draw_demographics(rng: np.random.Generator, treatment_day: date) -> Demographics:
    """Sex, birth date (age 42-79), height, WHO PS (0-2) and unresolved toxicity grade."""
    sex = "female" if rng.random() < 0.45 else "male"
    age = float(rng.uniform(42.0, 79.0))
    return Demographics(
        sex, treatment_day - timedelta(days=int(age * 365.25)),
        round(float(rng.normal(166.0 if sex == "female" else 180.0, 7.0)), 1),
        int(rng.choice([0, 1, 2], p=[0.6, 0.35, 0.05])), int(rng.choice([0, 1], p=[0.7, 0.3])),
    )


def build_candidate(
    rng: np.random.Generator, *, patient_id: str, demographics: Demographics, weight_kg: float,
    screening: date, treatment_day: date, lesion_diameters_mm: dict[str, float],
    involvement_pct: float, cycles: tuple[tuple[date, float], ...], slice_thickness_mm: float,
) -> Candidate:
    """The screening record of an eligible candidate (the cohort breaks it on purpose)."""
    stamp = datetime.combine(screening, datetime.min.time()).replace(hour=11,
                                                                     tzinfo=SITE_TIMEZONE)
    age = (treatment_day - demographics.birth_date).days / 365.25
    female = demographics.sex == "female"
    return Candidate(
        id=patient_id, screening_date=screening, treatment_date=treatment_day,
        sex=demographics.sex, birth_date=demographics.birth_date, weight_kg=weight_kg,
        height_cm=demographics.height_cm,
        who_performance_status=demographics.who_performance_status,
        unresolved_toxicity_grade=demographics.unresolved_toxicity_grade,
        liver_tumour_involvement_pct=involvement_pct,
        labs=lab_values(rng, demographics.sex, screening),
        lesions=[BaselineLesion(id=lid, organ="liver", diameter_mm=d,
                                slice_thickness_mm=slice_thickness_mm)
                 for lid, d in lesion_diameters_mm.items()],
        lutetium_cycles=[LutetiumCycle(administered_on=day, activity_mbq=a) for day, a in cycles],
        events={"informed consent": screening, "radiotherapy": None, "chemotherapy": None,
                "major surgery": None},
        facts={"histologically confirmed NET": True,
               "childbearing potential": female and age < 50, "pregnancy test negative": True,
               "pregnant": False, "nursing": False, "declared incompetent": False,
               "previously enrolled in this study": False, "previous radioembolization": False,
               "incompletely healed surgical incision": False,
               "without acceptable contraception": False, "severe contrast allergy": False},
        attestations=[Attestation(criterion=cid, met=met, attested_by=INVESTIGATOR,
                                  attested_at=stamp) for cid, met in ATTESTED_CRITERIA.items()],
    )


_SYMPTOMS: tuple[tuple[str, float, tuple[int, ...], tuple[float, ...]], ...] = (
    ("Abdominal pain", 0.5, (1, 2, 3), (0.55, 0.4, 0.05)),
    ("Nausea", 0.4, (1, 2), (0.8, 0.2)),
    ("Fatigue", 0.55, (1, 2), (0.7, 0.3)),
    ("Fever", 0.2, (1,), (1.0,)),
    ("Vomiting", 0.15, (1, 2), (0.8, 0.2)),
    ("Anorexia", 0.2, (1, 2), (0.8, 0.2)),
)


def _adverse_events(rng: np.random.Generator, pid: str, treatment_day: date
                    ) -> list[AdverseEvent]:
    """Post-embolisation symptoms in the first week (CTCAE v4.03 terms)."""
    events: list[AdverseEvent] = []
    for term, chance, grades, weights in _SYMPTOMS:
        if rng.random() >= chance:
            continue
        onset = treatment_day + timedelta(days=int(rng.integers(0, 8)))
        grade = int(rng.choice(grades, p=weights))
        serious = grade >= 3
        noon = datetime.combine(onset, datetime.min.time()).replace(tzinfo=SITE_TIMEZONE)
        events.append(AdverseEvent(
            id=f"{pid}-AE{len(events) + 1}", patient_id=pid, term=term, grade=grade,
            onset=onset, resolution=onset + timedelta(days=int(rng.integers(2, 30))),
            serious=serious, seriousness_criteria=["hospitalisation"] if serious else [],
            relatedness=str(rng.choice(["possible", "probable"])),
            action_taken="hospitalisation" if serious else "medication",
            awareness_at=noon + timedelta(hours=10) if serious else None,
            reported_at=noon + timedelta(hours=16) if serious else None,
        ))
    return events


def generate_clinical_record(patient: VirtualPatient,
                             model: DoseResponseModel | None = None) -> ClinicalRecord:
    """Generate the clinical record of ``patient`` (seeded by its seed)."""
    model = model or DoseResponseModel()
    rng = stream(patient.seed, "clinical")
    pid = patient.patient_id
    treatment_day = patient.treatment_time.date()
    people = draw_demographics(rng, treatment_day)
    screening = treatment_day - timedelta(days=int(rng.integers(14, 36)))
    visits = {"screening": screening, "scout": patient.scout_time.date(),
              "treatment": treatment_day}
    for vid, offset in (("fu-2w", 14), ("fu-6w", 42), ("fu-3m", 91), ("fu-6m", 182),
                        ("fu-12m", 365)):
        visits[vid] = treatment_day + timedelta(days=offset + int(rng.integers(-5, 6)))
    # death: rare within a year (then no visit after it); censored at 12 months otherwise
    death: date | None = None
    if rng.random() < 0.06:
        death = treatment_day + timedelta(days=int(rng.integers(120, 365)))
        visits = {vid: day for vid, day in visits.items() if day < death}
    follow_ups = [vid for vid in ("fu-3m", "fu-6m", "fu-12m") if vid in visits]
    # true lesion courses
    anatomy, labels = patient.anatomy, patient.labels
    dose = patient.dose_gy["ho166_treatment"]
    treated_mean = float(dose[anatomy.treated_mask(labels)].mean())
    truth: list[LesionTruth] = []
    for lesion in anatomy.lesions:
        region = labels.lesion == lesion.number
        d = float(dose[region].mean()) if region.any() else 0.0
        truth.append(LesionTruth(
            f"L{lesion.number}", lesion.number, lesion.diameter_mm, round(d, 3), lesion.treated,
            {vid: round(model.relative_diameter(d, (visits[vid] - treatment_day).days), 4)
             for vid in follow_ups},
        ))
    liver_voxels = float(labels.liver_with_lesions.sum())
    involvement = round(100.0 * float((labels.lesion > 0).sum()) / liver_voxels, 1) \
        if liver_voxels else 0.0
    slice_mm = min(patient.preset.ct_slice_mm, 5.0)
    candidate = build_candidate(
        rng, patient_id=pid, demographics=people, weight_kg=patient.weight_kg,
        screening=screening, treatment_day=treatment_day,
        lesion_diameters_mm={t.id: t.baseline_diameter_mm for t in truth},
        involvement_pct=involvement,
        cycles=tuple((t.date(), a) for t, a in zip(
            patient.lu177.cycle_times, patient.lu177.cycle_activities_mbq, strict=True)),
        slice_thickness_mm=slice_mm,
    )
    # labs after treatment: transient liver-test rise that grows with the treated-liver dose
    hepatic = 1.0 + 0.8 * treated_mean / 60.0
    shifts: dict[str, dict[str, float]] = {
        "scout": {}, "treatment": {},
        "fu-2w": {"alt": hepatic, "ast": hepatic, "alp": 1.1, "ggt": 1.3 * hepatic,
                  "bilirubin": 1.0 + 0.3 * treated_mean / 60.0, "lymphocytes": 0.8},
        "fu-6w": {"alt": 1.2, "ast": 1.2, "ggt": 1.4, "lymphocytes": 0.85},
        "fu-3m": {"ggt": 1.2}, "fu-6m": {}, "fu-12m": {},
    }
    labs = list(candidate.labs)
    for vid, shift in shifts.items():
        if vid in visits:
            labs += lab_values(rng, people.sex, visits[vid], shift)
    # QoL: a patient-level wellbeing, slightly worse shortly after treatment
    wellbeing = float(rng.beta(2.0, 5.0))
    qol = {vid: _qol(rng, float(np.clip(wellbeing + delta + rng.normal(0, 0.05), 0.0, 1.0)),
                     visits[vid])
           for vid, delta in (("screening", 0.0), ("fu-3m", 0.05), ("fu-6m", 0.0))
           if vid in visits}
    # RECIST: the two largest measurable lesions in the treated volume are the targets (at
    # most two per organ), the others non-target
    measurable = [t for t in truth if t.baseline_diameter_mm >= 10.0]
    pool = [t for t in measurable if t.in_treated_volume] or measurable
    targets = {t.id for t in sorted(pool, key=lambda t: -t.baseline_diameter_mm)[:2]}
    # true progression: a new lesion (Poisson process) or the target sum at +20 % and +5 mm
    # over its nadir, whichever comes first
    last = visits["fu-12m"] if death is None else death
    rate = model.new_lesion_rate_per_year / 365.25
    new_lesion_day = int(rng.exponential(1.0 / rate)) if rate > 0 else 10**6
    progression_day: int | None = None
    cause: str | None = None
    nadir = sum(t.baseline_diameter_mm for t in truth if t.id in targets)
    for day in range(1, (last - treatment_day).days + 1):
        total = sum(t.baseline_diameter_mm * model.relative_diameter(t.mean_dose_gy, day)
                    for t in truth if t.id in targets)
        nadir = min(nadir, total)
        if day >= new_lesion_day:
            progression_day, cause = new_lesion_day, "new lesion"
            break
        if total >= 1.2 * nadir and total - nadir >= 5.0:
            progression_day, cause = day, "target growth"
            break
    timepoints = [TimePoint(
        date=screening,
        measurements_mm={t.id: float(round(t.baseline_diameter_mm)) for t in truth
                         if t.id in targets},
        non_target={t.id: "present" for t in truth if t.id not in targets},
    )]
    for vid in follow_ups:
        days = (visits[vid] - treatment_day).days
        measured: dict[str, float | str] = {}
        for t in truth:
            if t.id in targets:
                value = t.baseline_diameter_mm * model.relative_diameter(t.mean_dose_gy, days)
                value += float(rng.normal(0.0, model.reader_sd_mm))
                measured[t.id] = "too small" if value < 5.0 else float(round(value))
        grown = cause == "target growth" and progression_day is not None and \
            days >= progression_day
        new = days >= new_lesion_day
        timepoints.append(TimePoint(
            date=visits[vid], measurements_mm=measured,
            non_target={t.id: "unequivocal progression" if grown and not t.in_treated_volume
                        else "present" for t in truth if t.id not in targets},
            new_lesions=new, new_lesions_in_treated_volume=new and bool(rng.random() < 0.5),
        ))
    recist = RecistReads(
        settings=RecistSettings(treated_volume_only=True, reference_date=treatment_day,
                                not_evaluable_as_progression=True),
        lesions=[Lesion(id=t.id, role="target" if t.id in targets else "non-target",
                        organ="liver", in_treated_volume=t.in_treated_volume,
                        slice_thickness_mm=slice_mm) for t in truth],
        timepoints=timepoints,
    )
    events = _adverse_events(rng, pid, treatment_day)
    progression = None if progression_day is None else treatment_day + timedelta(
        days=progression_day)
    outcome = Outcome(progression_date=progression, progression_cause=cause, death_date=death,
                      censored_on=None if death else last, last_follow_up=last)
    return ClinicalRecord(pid, candidate, visits, labs, qol, recist, events, outcome, model,
                          truth)
