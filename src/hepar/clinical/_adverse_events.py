"""Adverse-event records, worst grades, serious adverse events and their reporting deadline, and
candidate cases of radioembolization-induced liver disease (REILD)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from pydantic import AwareDatetime, Field, StrictBool, StrictInt, field_validator, model_validator

from hepar.clinical._base import LenientEnum, Record, register_aliases
from hepar.clinical._labs import LabValue
from hepar.clinical._units import Analyte
from hepar.errors import InvalidValueError

__all__ = [
    "ActionTaken",
    "AdverseEvent",
    "ReildAssessment",
    "Relatedness",
    "SaeStatus",
    "SeriousnessCriterion",
    "WorstGrade",
    "reild_assessment",
    "sae_report_status",
    "worst_grades",
]

# ICH E6(R2) GCP 4.11.1: the investigator reports all SAEs to the sponsor immediately; protocols
# (and the Dutch CCMO/WMO practice) set this as within 24 hours of becoming aware.
SAE_INITIAL_REPORT_HOURS = 24.0


class Relatedness(LenientEnum):
    """Causal relation to the study treatment, as judged by the investigator."""

    NOT_RELATED = "not related"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"


register_aliases(
    Relatedness,
    {"unrelated": "not related", "possibly related": "possible", "probably related": "probable",
     "definitely related": "definite", "related": "definite"},
)


class ActionTaken(LenientEnum):
    """Action taken because of the event."""

    NONE = "none"
    MEDICATION = "medication"
    PROCEDURE = "procedure"
    HOSPITALISATION = "hospitalisation"
    TREATMENT_DELAYED = "treatment delayed"
    TREATMENT_CANCELLED = "treatment cancelled"
    OTHER = "other"


register_aliases(ActionTaken, {"hospitalization": "hospitalisation", "no action": "none"})


class SeriousnessCriterion(LenientEnum):
    """Why an adverse event is serious (ICH E2A)."""

    DEATH = "death"
    LIFE_THREATENING = "life-threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital anomaly"
    IMPORTANT_MEDICAL_EVENT = "important medical event"


register_aliases(
    SeriousnessCriterion,
    {
        "results in death": "death",
        "life threatening": "life-threatening",
        "hospitalization": "hospitalisation",
        "requires or prolongs hospitalisation": "hospitalisation",
        "persistent or significant disability": "disability",
        "birth defect": "congenital anomaly",
        "medically important": "important medical event",
    },
)


class AdverseEvent(Record):
    """One adverse event (CTCAE v4.03 term and grade).

    Parameters
    ----------
    id, patient_id
        Event and patient identifiers.
    term
        CTCAE v4.03 term (``"Blood bilirubin increased"``, ``"Ascites"``, ``"Abdominal pain"`` ...).
    grade
        CTCAE grade 1-5.
    onset, resolution
        Dates; ``resolution`` is ``None`` while ongoing.
    serious, seriousness_criteria
        A serious adverse event and the ICH E2A criteria that make it serious (required when
        serious).
    relatedness
        Causal relation to 166Ho radioembolization.
    action_taken
        What was done about it.
    awareness_at, reported_at
        When the site became aware of a serious event and when its initial report was sent.
    """

    id: str = Field(min_length=1)
    patient_id: str = Field(min_length=1)
    term: str = Field(min_length=1)
    grade: StrictInt = Field(ge=1, le=5)
    onset: date
    resolution: date | None = None
    serious: StrictBool = False
    seriousness_criteria: list[SeriousnessCriterion] = Field(default_factory=list)
    relatedness: Relatedness
    action_taken: ActionTaken = ActionTaken.NONE
    awareness_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None

    @field_validator("term")
    @classmethod
    def _tidy(cls, term: str) -> str:
        return " ".join(term.split())

    @model_validator(mode="after")
    def _check(self) -> AdverseEvent:
        if self.resolution is not None and self.resolution < self.onset:
            raise InvalidValueError(
                field="resolution",
                value=self.resolution.isoformat(),
                expected=f"a date on or after the onset ({self.onset.isoformat()})",
            )
        if self.grade == 5 and not self.serious:
            raise InvalidValueError(
                field="serious", value=self.serious,
                expected="true for a grade 5 event (death is a seriousness criterion, ICH E2A)",
            )
        if self.awareness_at is not None and self.awareness_at.date() < self.onset:
            raise InvalidValueError(
                field="awareness_at", value=self.awareness_at.isoformat(),
                expected=f"a time on or after the onset ({self.onset.isoformat()}); the site "
                "cannot be aware of an event before it began",
            )
        if self.serious and not self.seriousness_criteria:
            raise InvalidValueError(
                field="seriousness_criteria",
                value=[],
                expected=f"at least one of {SeriousnessCriterion.choices()} for a serious event",
            )
        if not self.serious and self.seriousness_criteria:
            raise InvalidValueError(
                field="serious",
                value=False,
                expected="true when seriousness criteria are given",
            )
        if self.serious and self.awareness_at is None:
            raise InvalidValueError(
                field="awareness_at",
                value=None,
                expected="when the site became aware of the serious event (timezone-aware)",
            )
        if (
            self.reported_at is not None
            and self.awareness_at is not None
            and self.reported_at < self.awareness_at
        ):
            raise InvalidValueError(
                field="reported_at",
                value=self.reported_at.isoformat(),
                expected=f"a time after awareness_at ({self.awareness_at.isoformat()})",
            )
        return self


class WorstGrade(Record):
    """Worst grade of one term in one patient."""

    patient_id: str
    term: str
    grade: int
    events: list[str]


def worst_grades(events: Iterable[AdverseEvent]) -> list[WorstGrade]:
    """The worst grade per patient and term (terms compared case-insensitively).

    Examples
    --------
    >>> e = [AdverseEvent(id="1", patient_id="P1", term="Fatigue", grade=1, onset="2025-01-02",
    ...                   relatedness="possible"),
    ...      AdverseEvent(id="2", patient_id="P1", term="fatigue", grade=2, onset="2025-02-02",
    ...                   relatedness="possible")]
    >>> [(w.term, w.grade, w.events) for w in worst_grades(e)]
    [('Fatigue', 2, ['1', '2'])]
    """
    groups: dict[tuple[str, str], list[AdverseEvent]] = {}
    for event in events:
        groups.setdefault((event.patient_id, event.term.lower()), []).append(event)
    return [
        WorstGrade(
            patient_id=patient,
            term=found[0].term,
            grade=max(e.grade for e in found),
            events=[e.id for e in found],
        )
        for (patient, _), found in sorted(groups.items())
    ]


class SaeStatus(Record):
    """Reporting status of one serious adverse event."""

    event_id: str
    patient_id: str
    term: str
    grade: int
    seriousness_criteria: list[SeriousnessCriterion]
    awareness_at: datetime
    deadline: datetime
    reported_at: datetime | None
    overdue: bool
    reason: str


def sae_report_status(
    events: Iterable[AdverseEvent],
    *,
    now: datetime,
    deadline_hours: float = SAE_INITIAL_REPORT_HOURS,
) -> list[SaeStatus]:
    """Serious adverse events with their initial-report deadline; overdue ones flagged.

    An SAE is overdue when it was reported after ``awareness_at + deadline_hours``, or is still not
    reported at ``now`` past the deadline.
    """
    if now.tzinfo is None:
        raise InvalidValueError(
            field="now", value=now.isoformat(), expected="a timezone-aware time"
        )
    statuses = []
    for event in events:
        if not event.serious:
            continue
        assert event.awareness_at is not None
        deadline = event.awareness_at + timedelta(hours=deadline_hours)
        if event.reported_at is not None:
            overdue = event.reported_at > deadline
            late = (event.reported_at - deadline).total_seconds() / 3600.0
            reason = (
                f"reported {late:.1f} h after the {deadline_hours:g} h deadline"
                if overdue
                else f"reported within {deadline_hours:g} h"
            )
        else:
            overdue = now > deadline
            reason = (
                f"not reported, deadline {deadline.isoformat()} passed"
                if overdue
                else f"not reported yet, due by {deadline.isoformat()}"
            )
        statuses.append(
            SaeStatus(
                event_id=event.id,
                patient_id=event.patient_id,
                term=event.term,
                grade=event.grade,
                seriousness_criteria=event.seriousness_criteria,
                awareness_at=event.awareness_at,
                deadline=deadline,
                reported_at=event.reported_at,
                overdue=overdue,
                reason=reason,
            )
        )
    return sorted(statuses, key=lambda s: (s.deadline, s.event_id))


# REILD: jaundice, new or increased ascites, hyperbilirubinaemia and hypoalbuminaemia 2 weeks to
# 4 months after radioembolization, without tumour progression or biliary obstruction (Sangro et
# al., Cancer 2008;112:1538; REFERENCE.md).
REILD_SIGNS = ("jaundice", "ascites", "hyperbilirubinaemia", "hypoalbuminaemia")
_SIGN_TERMS = {
    "jaundice": {"jaundice"},
    "ascites": {"ascites"},
    "hyperbilirubinaemia": {
        "blood bilirubin increased",
        "hyperbilirubinemia",
        "hyperbilirubinaemia",
    },
    "hypoalbuminaemia": {"hypoalbuminemia", "hypoalbuminaemia"},
}
REILD_WINDOW_START_DAYS = 14
REILD_WINDOW_MONTHS = 4


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ReildAssessment(Record):
    """Whether a treated patient is a candidate REILD case, and on what evidence."""

    patient_id: str
    candidate: bool
    window_start: date
    window_end: date
    signs_present: list[str]
    signs_missing: list[str]
    reason: str


def reild_assessment(
    patient_id: str,
    treatment_date: date,
    events: Sequence[AdverseEvent],
    *,
    labs: Sequence[LabValue] = (),
    progression_date: date | None = None,
    biliary_obstruction: bool = False,
    required_signs: Sequence[str] = REILD_SIGNS,
) -> ReildAssessment:
    """Flag a candidate case of REILD (a case to review, not a diagnosis).

    A sign counts when an adverse event of that term starts in the window (2 weeks to 4 months
    after treatment) or, for hyperbilirubinaemia / hypoalbuminaemia, when a lab value in the window
    is above the ULN / below the LLN. A case is a candidate when every sign in ``required_signs``
    is present, there is no progression on or before the end of the window, and no biliary
    obstruction.
    """
    unknown = [s for s in required_signs if s not in REILD_SIGNS]
    if unknown:
        raise InvalidValueError(
            field="required_signs", value=unknown, expected=f"signs among {', '.join(REILD_SIGNS)}"
        )
    start = treatment_date + timedelta(days=REILD_WINDOW_START_DAYS)
    end = _add_months(treatment_date, REILD_WINDOW_MONTHS)
    present: set[str] = set()
    for event in events:
        if event.patient_id != patient_id or not start <= event.onset <= end:
            continue
        for sign, terms in _SIGN_TERMS.items():
            if event.term.lower() in terms:
                present.add(sign)
    for lab in labs:
        if lab.sampled_on is None or not start <= lab.sampled_on <= end:
            continue
        if lab.analyte is Analyte.BILIRUBIN and lab.uln is not None and lab.value > lab.uln:
            present.add("hyperbilirubinaemia")
        if lab.analyte is Analyte.ALBUMIN and lab.lln is not None and lab.value < lab.lln:
            present.add("hypoalbuminaemia")
    found = [s for s in REILD_SIGNS if s in present]
    missing = [s for s in required_signs if s not in present]
    excluded = []
    if progression_date is not None and progression_date <= end:
        excluded.append(f"progression on {progression_date.isoformat()}")
    if biliary_obstruction:
        excluded.append("biliary obstruction")
    candidate = not missing and not excluded
    window = f"{start.isoformat()} to {end.isoformat()}"
    if candidate:
        reason = f"{', '.join(found)} in {window}, no progression or biliary obstruction"
    elif excluded:
        reason = f"not REILD: {', '.join(excluded)}"
    else:
        reason = f"missing in {window}: {', '.join(missing)}"
    return ReildAssessment(
        patient_id=patient_id,
        candidate=candidate,
        window_start=start,
        window_end=end,
        signs_present=found,
        signs_missing=missing,
        reason=reason,
    )
