"""Eligibility: every criterion of the protocol evaluated on a candidate, and the screening log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from hepar.clinical._base import LenientEnum, Record
from hepar.clinical._candidate import Candidate
from hepar.clinical._criteria import CriterionType
from hepar.clinical._protocol import Protocol
from hepar.clinical._rule_evaluation import evaluate_rule

__all__ = [
    "CriterionResult",
    "EligibilityResult",
    "ScreeningLog",
    "ScreeningLogEntry",
    "Verdict",
    "evaluate_eligibility",
    "screening_log",
]

Eligible = bool | Literal["pending attestation", "incomplete"]


class Verdict(LenientEnum):
    """Verdict on one criterion *as written* (for an exclusion criterion, "met" excludes)."""

    MET = "met"
    NOT_MET = "not met"
    NEEDS_ATTESTATION = "needs attestation"
    MISSING_DATA = "missing data"


class CriterionResult(Record):
    """One criterion evaluated: verdict, the value and threshold that decided, and why."""

    id: str
    type: CriterionType
    text: str
    verdict: Verdict
    value: str | None
    threshold: str
    reason: str
    attested_by: str | None = None
    attested_at: datetime | None = None

    @property
    def fails(self) -> bool:
        """The candidate fails this criterion (inclusion not met, or exclusion met)."""
        bad = Verdict.NOT_MET if self.type is CriterionType.INCLUSION else Verdict.MET
        return self.verdict is bad


class EligibilityResult(Record):
    """The screening of one candidate against one protocol (``hepar screen --json``).

    ``eligible`` is ``True``, ``False``, ``"incomplete"`` (some data missing, nothing failed) or
    ``"pending attestation"`` (all data there, a judgement not yet recorded).
    """

    candidate: str
    protocol: str
    screening_date: date
    eligible: Eligible
    criteria: list[CriterionResult]
    screen_failure_reasons: list[str]
    missing_data: list[str]
    pending_attestation: list[str]


def _reason(kind: CriterionType, verdict: Verdict, value: str | None, threshold: str) -> str:
    if verdict is Verdict.NEEDS_ATTESTATION:
        return f"needs a judgement recorded by a named user ({threshold})"
    if verdict is Verdict.MISSING_DATA:
        return f"cannot decide: {value or 'data missing'}"
    consequence = {
        (CriterionType.INCLUSION, Verdict.MET): "inclusion satisfied",
        (CriterionType.INCLUSION, Verdict.NOT_MET): "inclusion not satisfied: screen failure",
        (CriterionType.EXCLUSION, Verdict.MET): "exclusion applies: screen failure",
        (CriterionType.EXCLUSION, Verdict.NOT_MET): "exclusion does not apply",
    }[(kind, verdict)]
    return f"{value} vs {threshold}: {consequence}"


def evaluate_eligibility(candidate: Candidate, protocol: Protocol) -> EligibilityResult:
    """Evaluate every inclusion and exclusion criterion of ``protocol`` on ``candidate``.

    Returns
    -------
    EligibilityResult
        Per criterion: met / not met / needs attestation / missing data, with the value and
        threshold that decided; overall ``eligible`` and the reasons for a screen failure.

    Examples
    --------
    >>> from hepar.io import load_protocol
    >>> c = Candidate(id="S-001", screening_date="2025-01-06", age_years=16)
    >>> result = evaluate_eligibility(c, load_protocol("registry"))
    >>> result.eligible, result.screen_failure_reasons[0]
    (False, 'I2: Female or male aged 18 years and over. (age 16 years vs age ≥ 18 years)')
    """
    results: list[CriterionResult] = []
    for criterion in protocol.criteria:
        outcome = evaluate_rule(criterion.rule, candidate, criterion.id)
        if outcome.holds is None:
            verdict = (
                Verdict.MISSING_DATA if outcome.unknown == "missing" else Verdict.NEEDS_ATTESTATION
            )
        else:
            verdict = Verdict.MET if outcome.holds else Verdict.NOT_MET
        results.append(
            CriterionResult(
                id=criterion.id,
                type=criterion.type,
                text=criterion.text,
                verdict=verdict,
                value=outcome.value,
                threshold=outcome.threshold,
                reason=_reason(criterion.type, verdict, outcome.value, outcome.threshold),
                attested_by=outcome.attestation.attested_by if outcome.attestation else None,
                attested_at=outcome.attestation.attested_at if outcome.attestation else None,
            )
        )
    failures = [
        f"{r.id}: {r.text} ({r.value} vs {r.threshold})" for r in results if r.fails
    ]
    missing = [r.id for r in results if r.verdict is Verdict.MISSING_DATA]
    pending = [r.id for r in results if r.verdict is Verdict.NEEDS_ATTESTATION]
    eligible: Eligible
    if failures:
        eligible = False
    elif missing:
        eligible = "incomplete"
    elif pending:
        eligible = "pending attestation"
    else:
        eligible = True
    return EligibilityResult(
        candidate=candidate.id,
        protocol=protocol.label,
        screening_date=candidate.screening_date,
        eligible=eligible,
        criteria=results,
        screen_failure_reasons=failures,
        missing_data=missing,
        pending_attestation=pending,
    )


class ScreeningLogEntry(Record):
    """One line of the screening log."""

    candidate: str
    screening_date: date
    eligible: Eligible
    failed_criteria: list[str]
    reasons: list[str]


class ScreeningLog(Record):
    """All candidates screened, and how often each criterion caused a screen failure."""

    entries: list[ScreeningLogEntry]
    screened: int
    eligible: int
    screen_failures: int
    undecided: int
    failures_by_criterion: dict[str, int]


def screening_log(results: Iterable[EligibilityResult]) -> ScreeningLog:
    """The screening log of a set of screenings, in screening-date order."""
    ordered = sorted(results, key=lambda r: (r.screening_date, r.candidate))
    entries = [
        ScreeningLogEntry(
            candidate=r.candidate,
            screening_date=r.screening_date,
            eligible=r.eligible,
            failed_criteria=[c.id for c in r.criteria if c.fails],
            reasons=r.screen_failure_reasons,
        )
        for r in ordered
    ]
    counts = Counter(cid for entry in entries for cid in entry.failed_criteria)
    return ScreeningLog(
        entries=entries,
        screened=len(entries),
        eligible=sum(1 for e in entries if e.eligible is True),
        screen_failures=sum(1 for e in entries if e.eligible is False),
        undecided=sum(1 for e in entries if not isinstance(e.eligible, bool)),
        failures_by_criterion=dict(sorted(counts.items())),
    )
