"""Kaplan-Meier estimates with medians and confidence intervals (lifelines)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from hepar.errors import InvalidValueError

__all__ = ["KaplanMeier", "kaplan_meier"]


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier curve (Greenwood variance, log(-log) CI: lifelines' default) and median.

    ``median``, ``median_lower`` and ``median_upper`` are ``None`` where the curve (or its CI band)
    does not fall to 0.5 within follow-up.
    """

    name: str
    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: int
    events: int
    median: float | None
    median_lower: float | None
    median_upper: float | None
    unit: str
    confidence_level: float

    def at(self, t: float) -> float:
        """S(t), right-continuous step function."""
        index = int(np.searchsorted(self.time, t, side="right")) - 1
        return float(self.survival[max(index, 0)]) if index >= 0 else 1.0


def _finite(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def kaplan_meier(durations: Sequence[float], events: Sequence[bool], *, name: str,
                 unit: str = "months", confidence_level: float = 0.95) -> KaplanMeier:
    """Kaplan-Meier estimate of ``durations`` with ``events`` (False = censored).

    Examples
    --------
    Freireich 6-MP arm (Kleinbaum & Klein, Survival Analysis, 3rd ed., Table 2.1): median 23 weeks.

    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> kaplan_meier(t, [bool(x) for x in e], name="6-MP", unit="weeks").median
    23.0
    """
    if len(durations) != len(events) or not len(durations):
        raise InvalidValueError(field="durations", value=len(durations),
                                expected=f"one duration per event flag ({len(events)}), >= 1")
    times = np.asarray(durations, dtype=float)
    if not np.all(np.isfinite(times)) or times.min() < 0:
        raise InvalidValueError(field="durations", value=float(np.nanmin(times)),
                                expected="finite durations >= 0")
    fitter = KaplanMeierFitter(alpha=1.0 - confidence_level)
    fitter.fit(times, event_observed=np.asarray(events, dtype=bool), label=name)
    table = fitter.survival_function_
    band = fitter.confidence_interval_survival_function_
    median_ci = median_survival_times(fitter.confidence_interval_)
    return KaplanMeier(
        name=name, time=table.index.to_numpy(dtype=float),
        survival=table.iloc[:, 0].to_numpy(dtype=float),
        lower=band.iloc[:, 0].to_numpy(dtype=float), upper=band.iloc[:, 1].to_numpy(dtype=float),
        n=len(times), events=int(np.sum(events)), median=_finite(fitter.median_survival_time_),
        median_lower=_finite(float(median_ci.iloc[0, 0])),
        median_upper=_finite(float(median_ci.iloc[0, 1])), unit=unit,
        confidence_level=confidence_level,
    )
