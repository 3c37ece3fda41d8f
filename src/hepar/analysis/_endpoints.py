"""Efficacy endpoints: CONSORT flow, the primary response rate, best overall response, Simon.

Primary endpoint (Braat et al., Lancet Oncol 2020): RECIST 1.1 objective response (CR + PR) in
the treated liver volume at the 3-month visit, per protocol (treated and evaluable at that
visit), with the exact Clopper-Pearson interval; also over all treated with NE counted as
non-response (the HEPAR II convention). Secondary view: best overall response over all
follow-up, CR/PR confirmed after >= 4 weeks (Eisenhauer et al., Eur J Cancer 2009;45:228, 4.6).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hepar.clinical import (
    AnalysisPlan,
    Protocol,
    RecistReads,
    Response,
    assess_recist,
    plan_visits,
)
from hepar.errors import InvalidValueError

from ._binomial import (
    ProportionEstimate,
    SimonDecision,
    clopper_pearson,
    exact_binomial_p_value,
    simon_decision,
)
from ._records import PatientRecord, ScreeningRecord

__all__ = [
    "ConsortFlow",
    "PatientResponse",
    "PrimaryEndpoint",
    "consort_flow",
    "patient_responses",
    "primary_endpoint",
]

_RESPONDERS = (Response.CR, Response.PR)


@dataclass(frozen=True)
class ConsortFlow:
    """Counts of the CONSORT diagram."""

    screened: int
    screen_failures: int
    failures_by_criterion: dict[str, int]
    eligible_not_enrolled: int
    enrolled: int
    not_treated: int
    treated: int
    not_evaluable: int
    evaluable: int


@dataclass(frozen=True)
class PatientResponse:
    """One treated patient's responses."""

    patient_id: str
    primary: Response
    primary_reason: str
    primary_date: str | None
    best_change_pct: float | None
    best_overall_confirmed: Response
    evaluable: bool

    @property
    def responder(self) -> bool:
        """CR or PR at the primary visit."""
        return self.primary in _RESPONDERS


@dataclass(frozen=True)
class PrimaryEndpoint:
    """The primary endpoint and its secondary views."""

    per_protocol: ProportionEstimate
    all_treated_ne_as_non_response: ProportionEstimate
    best_overall_confirmed: ProportionEstimate
    response_counts: dict[str, int]
    null_rate: float
    p_value: float
    simon: SimonDecision | None


def consort_flow(screening: Sequence[ScreeningRecord], patients: Sequence[PatientRecord],
                 responses: Sequence[PatientResponse]) -> ConsortFlow:
    """The CONSORT counts. A screened candidate failing several criteria counts under each."""
    failures = [s for s in screening if not s.eligible]
    by_criterion = Counter(c for s in failures for c in s.failed_criteria)
    enrolled = len(patients)
    treated = sum(p.treated for p in patients)
    evaluable = sum(r.evaluable for r in responses)
    eligible = len(screening) - len(failures)
    return ConsortFlow(
        screened=len(screening), screen_failures=len(failures),
        failures_by_criterion=dict(sorted(by_criterion.items())),
        eligible_not_enrolled=max(eligible - enrolled, 0), enrolled=enrolled,
        not_treated=enrolled - treated, treated=treated, not_evaluable=treated - evaluable,
        evaluable=evaluable,
    )


def _primary_reads(reads: RecistReads, patient: PatientRecord, protocol: Protocol
                   ) -> RecistReads | None:
    """Baseline and the primary-visit time point (the one nearest the planned date, in window)."""
    plan = protocol.analysis
    assert patient.treatment_date is not None
    visits = {v.id: v for v in plan_visits(protocol, patient.treatment_date)}
    if plan.primary_visit not in visits:
        raise InvalidValueError(field="analysis.primary_visit", value=plan.primary_visit,
                                expected=f"a visit id of the protocol ({', '.join(visits)})")
    visit = visits[plan.primary_visit]
    candidates = [p for p in reads.timepoints[1:] if visit.in_window(p.date)]
    if not candidates:
        return None
    point = min(candidates, key=lambda p: abs((p.date - visit.planned).days))
    settings = reads.settings.model_copy(update={
        "treated_volume_only": plan.treated_volume_only, "confirmation": False,
        "not_evaluable_as_progression": False, "reference_date": patient.treatment_date})
    return reads.model_copy(update={"timepoints": [reads.baseline, point],
                                    "settings": settings})


def patient_responses(patients: Sequence[PatientRecord], protocol: Protocol
                      ) -> list[PatientResponse]:
    """Primary-visit response and confirmed best overall response of every treated patient."""
    plan = protocol.analysis
    out: list[PatientResponse] = []
    for patient in patients:
        if not patient.treated:
            continue
        if patient.recist is None:
            out.append(PatientResponse(patient.patient_id, Response.NE, "no RECIST reads", None,
                                       None, Response.NE, False))
            continue
        primary = _primary_reads(patient.recist, patient, protocol)
        confirmed_settings = patient.recist.settings.model_copy(update={
            "treated_volume_only": plan.treated_volume_only, "confirmation": True,
            "min_confirmation_days": plan.confirmation_days,
            "not_evaluable_as_progression": False, "reference_date": patient.treatment_date})
        try:
            if primary is None:
                response, reason, day, change = (
                    Response.NE, "no assessment in the primary window", None, None)
            else:
                point = assess_recist(primary).timepoints[1]
                response = point.overall or Response.NE
                reason, day, change = point.reason, point.date.isoformat(), \
                    point.change_from_baseline_pct
            full = assess_recist(patient.recist.model_copy(
                update={"settings": confirmed_settings}))
        except InvalidValueError as error:
            # reads that cannot be assessed as the plan asks (e.g. no lesion in the treated
            # volume) make the patient not evaluable, with the reason, not the analysis fail
            out.append(PatientResponse(patient.patient_id, Response.NE, f"not assessable: "
                                       f"{error}", None, None, Response.NE, False))
            continue
        changes = [t.change_from_baseline_pct for t in full.timepoints[1:]
                   if t.change_from_baseline_pct is not None]
        best_change = min(changes) if changes else change
        out.append(PatientResponse(patient.patient_id, response, reason, day, best_change,
                                   full.best_overall_response, response is not Response.NE))
    return out


def primary_endpoint(responses: Sequence[PatientResponse], plan: AnalysisPlan
                     ) -> PrimaryEndpoint:
    """Response rates with exact intervals, the one-sided exact test and a Simon decision."""
    level = plan.confidence_level
    evaluable = [r for r in responses if r.evaluable]
    per_protocol = clopper_pearson(sum(r.responder for r in evaluable), len(evaluable),
                                   confidence_level=level)
    all_treated = clopper_pearson(sum(r.responder for r in responses), len(responses),
                                  confidence_level=level)
    confirmed = clopper_pearson(
        sum(r.best_overall_confirmed in _RESPONDERS for r in responses), len(responses),
        confidence_level=level)
    counts = Counter(r.primary.value for r in responses)
    simon = None if plan.simon_design is None else simon_decision(
        plan.simon_design, [r.responder for r in evaluable])
    return PrimaryEndpoint(
        per_protocol=per_protocol, all_treated_ne_as_non_response=all_treated,
        best_overall_confirmed=confirmed,
        response_counts={k.value: counts.get(k.value, 0) for k in
                         Response},
        null_rate=plan.response_rate_null,
        p_value=exact_binomial_p_value(per_protocol.events, per_protocol.total,
                                       plan.response_rate_null),
        simon=simon,
    )
