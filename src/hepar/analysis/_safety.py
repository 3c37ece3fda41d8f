"""Safety: adverse events (CTCAE v4.03) by term and worst grade to 1 year, grade >= 3 and SAE
listings, and REILD candidates (Sangro et al., Cancer 2008;112:1538) over all treated patients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from hepar.clinical import AdverseEvent, AnalysisPlan, assess_recist, reild_assessment, worst_grades

from ._records import PatientRecord

__all__ = ["AeListing", "AeTermRow", "SafetyAnalysis", "analyse_safety"]


@dataclass(frozen=True)
class AeTermRow:
    """Patients with an event of ``term``, by their worst grade of it."""

    term: str
    patients: int
    by_worst_grade: dict[int, int]
    grade_3_or_more: int
    percent_of_treated: float


@dataclass(frozen=True)
class AeListing:
    """One adverse event in a listing."""

    patient_id: str
    event_id: str
    term: str
    grade: int
    onset: str
    day: int
    serious: bool
    relatedness: str


@dataclass(frozen=True)
class SafetyAnalysis:
    """Tables and listings of the safety population."""

    treated: int
    window_days: int
    by_term: list[AeTermRow]
    patients_with_grade_3_or_more: int
    grade_3_or_more: list[AeListing]
    serious: list[AeListing]
    reild_candidates: list[str]
    reild_reasons: dict[str, str]


def _listing(event: AdverseEvent, day: int) -> AeListing:
    return AeListing(event.patient_id, event.id, event.term, event.grade, event.onset.isoformat(),
                     day, event.serious, event.relatedness.value)


def analyse_safety(patients: Sequence[PatientRecord], plan: AnalysisPlan) -> SafetyAnalysis:
    """AE tables over the treated patients, events from treatment to ``safety_window_days``."""
    treated = [p for p in patients if p.treatment_date is not None]
    counted: list[tuple[AdverseEvent, int]] = []
    reild: list[str] = []
    reasons: dict[str, str] = {}
    for patient in treated:
        assert patient.treatment_date is not None
        end = patient.treatment_date + timedelta(days=plan.safety_window_days)
        for event in patient.adverse_events:
            if patient.treatment_date <= event.onset <= end:
                counted.append((event, (event.onset - patient.treatment_date).days))
        progression = None
        if patient.recist is not None:
            progression = assess_recist(patient.recist).date_of_progression
        result = reild_assessment(patient.patient_id, patient.treatment_date,
                                  list(patient.adverse_events), labs=list(patient.labs),
                                  progression_date=progression)
        reasons[patient.patient_id] = result.reason
        if result.candidate:
            reild.append(patient.patient_id)
    worst = worst_grades([e for e, _ in counted])
    terms = sorted({w.term for w in worst})
    rows = []
    for term in terms:
        grades = [w.grade for w in worst if w.term == term]
        rows.append(AeTermRow(
            term=term, patients=len(grades),
            by_worst_grade={g: grades.count(g) for g in range(1, 6)},
            grade_3_or_more=sum(g >= 3 for g in grades),
            percent_of_treated=100.0 * len(grades) / len(treated) if treated else 0.0))
    rows.sort(key=lambda r: (-r.patients, r.term))
    severe = [_listing(e, d) for e, d in counted if e.grade >= 3]
    serious = [_listing(e, d) for e, d in counted if e.serious]
    return SafetyAnalysis(
        treated=len(treated), window_days=plan.safety_window_days, by_term=rows,
        patients_with_grade_3_or_more=len({row.patient_id for row in severe}),
        grade_3_or_more=sorted(severe, key=lambda r: (r.patient_id, r.onset)),
        serious=sorted(serious, key=lambda r: (r.patient_id, r.onset)),
        reild_candidates=reild, reild_reasons=reasons)
