"""Time-integrated activity from a single measurement."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError

from ._checks import require_positive

__all__ = ["single_time_point_tia_mbq_h"]


def single_time_point_tia_mbq_h(
    activity_mbq: ArrayLike, time_h: float, *, effective_half_life_h: float | None = None
) -> NDArray[np.float64]:
    """Time-integrated activity (MBq·h) from one measurement at ``time_h`` after administration.

    Without an effective half-life, Hänscheid et al.'s approximation for 177Lu-DOTATATE/-TOC
    (J Nucl Med 2018;59:75, measurement about 4 days after administration):

    .. math:: \\tilde A \\approx A(t)\\,\\frac{2t}{\\ln 2}

    which is exact for a mono-exponential with :math:`T_\\mathrm{eff} = t` and varies little for
    nearby half-lives. With an assumed effective half-life, the mono-exponential through the point:
    :math:`\\tilde A = A(t)\\,e^{\\lambda t}/\\lambda`, :math:`\\lambda = \\ln 2/T_\\mathrm{eff}`.

    Examples
    --------
    >>> round(float(single_time_point_tia_mbq_h(100.0, 96.0)), 1)
    27699.7
    >>> round(float(single_time_point_tia_mbq_h(100.0, 96.0, effective_half_life_h=96.0)), 1)
    27699.7
    """
    t = require_positive("time_h", time_h)
    activity = np.asarray(activity_mbq, dtype=float)
    if activity.size and (not np.all(np.isfinite(activity)) or activity.min() < 0):
        raise InvalidValueError(
            field="activity_mbq", value=float(np.nanmin(activity)), expected="activities >= 0"
        )
    if effective_half_life_h is None:
        return np.asarray(activity * 2.0 * t / math.log(2.0), dtype=float)
    lam = math.log(2.0) / require_positive("effective_half_life_h", effective_half_life_h)
    return np.asarray(activity * math.exp(lam * t) / lam, dtype=float)
