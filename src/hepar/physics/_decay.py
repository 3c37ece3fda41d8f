"""Physical decay: decay factors between two instants and time-integrated activity."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError

from ._constants import BQ_PER_MBQ, S_PER_H

__all__ = [
    "decay_constant_per_h",
    "decay_factor",
    "decay_factor_over_h",
    "elapsed_h",
    "number_of_decays",
    "time_integrated_activity_mbq_h",
]


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InvalidValueError(field=name, value=value, expected="a positive, finite number")
    return float(value)


def decay_constant_per_h(half_life_h: float) -> float:
    """Decay constant in 1/h: :math:`\\lambda = \\ln 2 / T_{1/2}`.

    Examples
    --------
    >>> round(decay_constant_per_h(26.8), 6)
    0.025864
    """
    return math.log(2.0) / _positive("half_life_h", half_life_h)


def elapsed_h(reference_time: datetime, at_time: datetime) -> float:
    """Hours from ``reference_time`` to ``at_time`` (negative when ``at_time`` is earlier).

    Both must be timezone-aware (DESIGN.md: decay correction always names its reference time).
    """
    for name, moment in (("reference_time", reference_time), ("at_time", at_time)):
        if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
            raise InvalidValueError(
                field=name, value=moment.isoformat(), expected="a timezone-aware datetime"
            )
    return (at_time - reference_time).total_seconds() / S_PER_H


def decay_factor_over_h(elapsed: ArrayLike, half_life_h: float) -> NDArray[np.float64]:
    """Fraction of activity left after ``elapsed`` hours: :math:`e^{-\\lambda t}`."""
    return np.exp(-decay_constant_per_h(half_life_h) * np.asarray(elapsed, dtype=float))


def decay_factor(reference_time: datetime, at_time: datetime, half_life_h: float) -> float:
    """Activity at ``at_time`` divided by activity at ``reference_time``.

    .. math:: \\frac{A(t)}{A(t_\\mathrm{ref})} = \\exp\\left(-\\frac{\\ln 2}{T_{1/2}}
              (t - t_\\mathrm{ref})\\right)

    A factor above 1 means ``at_time`` lies before the reference (back-correction).

    Examples
    --------
    >>> from datetime import datetime, timezone, timedelta
    >>> t0 = datetime(2025, 1, 10, 9, 0, tzinfo=timezone.utc)
    >>> decay_factor(t0, t0 + timedelta(hours=26.8), 26.8)
    0.5
    """
    return float(decay_factor_over_h(elapsed_h(reference_time, at_time), half_life_h))


def time_integrated_activity_mbq_h(
    activity_mbq: ArrayLike, half_life_h: float, *, duration_h: float = math.inf
) -> NDArray[np.float64]:
    """Time-integrated activity (cumulated activity) for physical decay only, in MBq·h.

    .. math:: \\tilde A = \\int_0^{\\tau} A_0 e^{-\\lambda t}\\,dt
              = \\frac{A_0}{\\lambda}\\left(1 - e^{-\\lambda \\tau}\\right),
              \\qquad \\tilde A_{\\tau\\to\\infty} = \\frac{A_0 T_{1/2}}{\\ln 2}

    (MIRD Pamphlet 21, Bolch et al., J Nucl Med 2009;50:477, eq. for a mono-exponential).
    This is the case of 166Ho microspheres, permanent implants (REFERENCE.md).

    Parameters
    ----------
    activity_mbq
        Activity at the start of integration in MBq (scalar or array, e.g. a map).
    half_life_h
        Physical half-life in hours.
    duration_h
        Integration time in hours; infinite (full decay) by default.

    Examples
    --------
    >>> round(float(time_integrated_activity_mbq_h(1.0, 26.8)), 3)
    38.664
    """
    if not duration_h >= 0:
        raise InvalidValueError(field="duration_h", value=duration_h, expected="a time >= 0")
    activity = np.asarray(activity_mbq, dtype=float)
    lam = decay_constant_per_h(half_life_h)
    fraction = 1.0 if math.isinf(duration_h) else -math.expm1(-lam * duration_h)
    return activity * fraction / lam


def number_of_decays(
    activity_mbq: ArrayLike, half_life_h: float, *, duration_h: float = math.inf
) -> NDArray[np.float64]:
    """Number of decays from ``activity_mbq`` over ``duration_h`` (full decay by default).

    .. math:: N = \\tilde A\\,[\\mathrm{MBq\\,h}] \\times 10^6 \\times 3600

    Examples
    --------
    >>> f"{float(number_of_decays(1.0, 26.8)):.4e}"
    '1.3919e+11'
    """
    return time_integrated_activity_mbq_h(activity_mbq, half_life_h, duration_h=duration_h) * (
        BQ_PER_MBQ * S_PER_H
    )
