"""Exact binomial statistics of a response rate: Clopper-Pearson interval, one-sided exact test,
Simon two-stage designs and their decision.

scipy has the beta and binomial distributions but no Simon design search, so the search is
written here (Simon, Control Clin Trials 1989;10:1-10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from hepar.clinical import SimonDesign
from hepar.errors import InvalidValueError

__all__ = [
    "ProportionEstimate",
    "SimonDecision",
    "clopper_pearson",
    "exact_binomial_p_value",
    "simon_decision",
    "simon_design",
]


@dataclass(frozen=True)
class ProportionEstimate:
    """A proportion with its exact interval."""

    events: int
    total: int
    rate: float
    lower: float
    upper: float
    confidence_level: float

    def as_text(self) -> str:
        """``13/30 = 43.3 % (95 % CI 25.5-62.6 %)``."""
        level = round(100 * self.confidence_level)
        return (f"{self.events}/{self.total} = {100 * self.rate:.1f} % ({level} % CI "
                f"{100 * self.lower:.1f}-{100 * self.upper:.1f} %)")


def _check_counts(events: int, total: int) -> None:
    if total < 0 or not 0 <= events <= max(total, 0):
        raise InvalidValueError(field="events", value=f"{events}/{total}",
                                expected="0 <= events <= total")


def clopper_pearson(events: int, total: int, *, confidence_level: float = 0.95
                    ) -> ProportionEstimate:
    """The exact (Clopper-Pearson) interval of a binomial proportion.

    .. math:: p_L = B^{-1}(\\tfrac{\\alpha}{2}; x, n - x + 1), \\qquad
              p_U = B^{-1}(1 - \\tfrac{\\alpha}{2}; x + 1, n - x)

    with :math:`B^{-1}` the beta quantile (Clopper & Pearson, Biometrika 1934;26:404);
    :math:`p_L = 0` when x = 0 and :math:`p_U = 1` when x = n.

    Examples
    --------
    >>> clopper_pearson(13, 30).as_text()
    '13/30 = 43.3 % (95 % CI 25.5-62.6 %)'
    """
    _check_counts(events, total)
    if total == 0:
        return ProportionEstimate(0, 0, float("nan"), 0.0, 1.0, confidence_level)
    alpha = 1.0 - confidence_level
    lower = 0.0 if events == 0 else float(stats.beta.ppf(alpha / 2, events, total - events + 1))
    upper = 1.0 if events == total else float(
        stats.beta.ppf(1 - alpha / 2, events + 1, total - events))
    return ProportionEstimate(events, total, events / total, lower, upper, confidence_level)


def exact_binomial_p_value(events: int, total: int, null_rate: float) -> float:
    """One-sided exact p-value P(X >= events | n = total, p = null_rate) (A'Hern 2001)."""
    _check_counts(events, total)
    return float(stats.binom.sf(events - 1, total, null_rate))


def _reject_matrix(n1: int, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """P(early termination) for every r1 (0..n1-1), and P(reject) as a matrix [r, r1].

    Reject when X1 > r1 and X1 + X2 > r: sum over x1 > r1 of b(x1; n1, p) P(X2 > r - x1).
    """
    x1 = np.arange(0, n1 + 1)
    pmf1 = stats.binom.pmf(x1, n1, p)
    r = np.arange(0, n)[:, None]
    terms = stats.binom.sf(r - x1[None, :], n - n1, p) * pmf1[None, :]
    # sum over x1 >= r1 + 1: reversed cumulative sum, shifted by one
    tail = np.cumsum(terms[:, ::-1], axis=1)[:, ::-1]
    reject = tail[:, 1:]  # column r1 holds the sum over x1 >= r1 + 1 (r1 = 0..n1-1)
    pet = np.cumsum(pmf1)[:-1]
    return pet, reject


def simon_design(p0: float, p1: float, *, alpha: float, beta: float, kind: str = "optimal",
                 max_n: int = 80) -> SimonDesign:
    """The Simon two-stage design for H0: p <= p0 against p1, with type I error <= ``alpha`` and
    type II error <= ``beta``.

    ``kind="optimal"`` minimises the expected sample size under p0; ``"minimax"`` the maximum
    sample size (ties broken by the expected sample size). An exhaustive search over n <= max_n
    (Simon, Control Clin Trials 1989;10:1).

    Examples
    --------
    >>> d = simon_design(0.10, 0.30, alpha=0.05, beta=0.20, max_n=35)
    >>> (d.r1, d.n1, d.r, d.n)
    (1, 10, 5, 29)
    """
    if not 0 < p0 < p1 < 1:
        raise InvalidValueError(field="p1", value=p1, expected=f"0 < p0 ({p0}) < p1 < 1")
    if kind not in ("optimal", "minimax"):
        raise InvalidValueError(field="kind", value=kind, expected="optimal or minimax")
    best: tuple[float, float, int, int, int, int] | None = None
    for n in range(2, max_n + 1):
        if kind == "minimax" and best is not None:
            break
        for n1 in range(1, n):
            pet0, reject0 = _reject_matrix(n1, n, p0)
            _, reject1 = _reject_matrix(n1, n, p1)
            ok = (reject0 <= alpha) & (reject1 >= 1 - beta)
            ok &= np.arange(n)[:, None] >= np.arange(n1)[None, :]  # r >= r1
            for first in np.nonzero(ok.any(axis=0))[0]:
                r1_ = int(first)
                r = int(np.argmax(ok[:, r1_]))  # the smallest r that works
                en0 = n1 + (1 - float(pet0[r1_])) * (n - n1)
                key = (en0, float(n)) if kind == "optimal" else (float(n), en0)
                if best is None or key < (best[0], best[1]):
                    best = (key[0], key[1], r1_, n1, r, n)
    if best is None:
        raise InvalidValueError(field="max_n", value=max_n,
                                expected="a larger maximum sample size for this design")
    _, _, r1, n1, r, n = best
    return SimonDesign(r1=r1, n1=n1, r=r, n=n, kind=kind,
                       source=f"Simon 1989 search: p0={p0}, p1={p1}, alpha={alpha}, beta={beta}")


@dataclass(frozen=True)
class SimonDecision:
    """What a Simon two-stage design decides from the responses seen."""

    design: SimonDesign
    stage1_responses: int | None
    stage1_patients: int
    responses: int
    patients: int
    decision: str


def simon_decision(design: SimonDesign, responses_in_order: list[bool]) -> SimonDecision:
    """Decide a Simon design from the responses of the evaluable patients in enrolment order.

    Stage 1: the first ``n1``; stop for futility when at most ``r1`` respond. At the end (``n``
    patients): reject H0 (promising) when more than ``r`` respond. With fewer patients the
    decision is pending.
    """
    first = responses_in_order[: design.n1]
    total = responses_in_order[: design.n]
    stage1 = sum(first) if len(first) == design.n1 else None
    if stage1 is None:
        decision = f"pending: {len(first)} of {design.n1} stage-1 patients evaluable"
    elif stage1 <= design.r1:
        decision = (f"stop after stage 1 for futility: {stage1} <= r1 = {design.r1} responses "
                    f"in {design.n1}")
    elif len(total) < design.n:
        decision = (f"continue to stage 2 ({stage1} > r1 = {design.r1}); {len(total)} of "
                    f"{design.n} patients evaluable")
    elif sum(total) > design.r:
        decision = (f"reject H0: {sum(total)} > r = {design.r} responses in {design.n} "
                    "(treatment promising)")
    else:
        decision = f"do not reject H0: {sum(total)} <= r = {design.r} responses in {design.n}"
    return SimonDecision(design, stage1, len(first), sum(total), len(total), decision)
