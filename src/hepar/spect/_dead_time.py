"""Paralysable dead-time correction of a reconstructed total, view by view.

Model (Knoll, *Radiation Detection and Measurement*, 4th ed., 2010, ch. 4; Stella et al., EJNMMI
Phys 2021;8:22 for 166Ho): a head recording view :math:`v` keeps the fraction
:math:`L_v = e^{-c A D_v}` of its counts, with :math:`c = \\tau\\alpha` (per MBq), :math:`A` the
activity at acquisition start and :math:`D_v` the mean decay factor during the view
(:func:`~hepar.spect.frame_decay_factors`), so the kept fraction changes from view to view as
the source decays.

OSEM, whose per-view scale holds sensitivity x time x :math:`D_v` but no dead time, returns a
total :math:`A_m` that fits the counts :math:`\\propto D_v L_v A`, i.e. the decay-weighted mean

.. math:: A_m = f(A) = A\\,\\frac{\\sum_v D_v e^{-c A D_v}}{\\sum_v D_v}.

:math:`f` rises from 0 to a maximum at :math:`A_{peak}` (the root of
:math:`\\sum_v D_v e^{-cAD_v}(1 - cAD_v)`; :math:`1/c` when :math:`D_v = 1`, where the count rate
is :math:`1/(e\\tau)`, the paralysable maximum) and falls beyond. Every :math:`A_m < f(A_{peak})`
has two solutions; the correction takes the **low-activity branch** :math:`A \\le A_{peak}`,
which is the right one for any acquisition made, as advised, below the activity at which dead
time rises steeply (166Ho: "above approximately 1420 MBq" in the scanner, hence scans 2-5
days after treatment; radioembolization chapter of the "CME Handbook", p. 130, 2024): counts
alone cannot tell the two branches apart. A total at or above the maximum has no solution and
is refused. Near the maximum the correction amplifies errors: a relative error
:math:`\\epsilon` in :math:`A_m` becomes :math:`\\epsilon / (1 - cA)` in :math:`A`
(for :math:`D_v = 1`), reported as
``error_gain``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from hepar.errors import InvalidValueError

__all__ = ["DeadTimeCorrection", "correct_dead_time"]


@dataclass(frozen=True)
class DeadTimeCorrection:
    """The dead-time corrected activity and what it rests on.

    Attributes
    ----------
    activity_mbq
        True activity at acquisition start (low-activity branch).
    kept_fraction
        Decay-weighted mean kept fraction, ``measured / activity``.
    kept_first, kept_last
        Kept fraction of the first and last views in time.
    peak_activity_mbq
        Activity at which the recorded count rate is largest (branch point).
    error_gain
        Factor by which a relative error of the measured total grows in the corrected one.
    """

    activity_mbq: float
    kept_fraction: float
    kept_first: float
    kept_last: float
    peak_activity_mbq: float
    error_gain: float


def correct_dead_time(measured_mbq: float, tau_alpha_per_mbq: float,
                      decay: ArrayLike) -> DeadTimeCorrection:
    """Solve :math:`f(A) = A_m` on the low-activity branch (see the module docstring).

    Parameters
    ----------
    measured_mbq
        The OSEM total :math:`A_m` (counts scaled by sensitivity, time and decay, not by dead
        time).
    tau_alpha_per_mbq
        :math:`c = \\tau\\alpha`, s x cps/MBq.
    decay
        Mean decay factor :math:`D_v` of each view relative to the acquisition start.

    Raises
    ------
    InvalidValueError
        If :math:`A_m` is at or above the model's maximum :math:`f(A_{peak})`.

    Examples
    --------
    20 % of the counts lost at 700 MBq (Stella et al. 2021): a measured 560 MBq is 700 MBq.

    >>> c = math.log(1 / 0.8) / 700.0
    >>> round(correct_dead_time(560.0, c, [1.0]).activity_mbq, 3)
    700.0
    """
    d = np.asarray(decay, dtype=np.float64).ravel()
    if d.size == 0 or not np.all((d > 0) & np.isfinite(d)):
        raise InvalidValueError(field="decay", value=d.tolist()[:4],
                                expected="a positive decay factor per view")
    if not (math.isfinite(measured_mbq) and measured_mbq >= 0):
        raise InvalidValueError(field="measured_mbq", value=measured_mbq,
                                expected="a finite activity >= 0 MBq")
    c = float(tau_alpha_per_mbq)
    if c <= 0 or measured_mbq == 0:
        return DeadTimeCorrection(measured_mbq, 1.0, 1.0, 1.0, math.inf, 1.0)
    weight = d / d.sum()

    def f(a: float) -> float:
        return a * float(np.sum(weight * np.exp(-c * a * d)))

    def slope(a: float) -> float:  # proportional to f'(a)
        return float(np.sum(weight * np.exp(-c * a * d) * (1.0 - c * a * d)))

    peak = brentq(slope, 0.0, 2.0 / (c * float(d.min())), xtol=1e-9, rtol=1e-12)
    maximum = f(peak)
    if measured_mbq >= maximum:
        raise InvalidValueError(
            field="dead time", value=round(c * measured_mbq, 4),
            expected=f"a measured activity below the paralysable model's maximum "
            f"{maximum:.5g} MBq (tau x alpha x A below 1/e): the count rate is past the "
            "model's peak, where no dead-time correction is defined (acquire later, or "
            "normalise to the known activity)")
    activity = brentq(lambda a: f(a) - measured_mbq, measured_mbq, peak, xtol=1e-9,
                      rtol=1e-12)
    kept = np.exp(-c * activity * d)
    gain = f(activity) / (activity * slope(activity))  # (dA/A) / (dA_m/A_m)
    return DeadTimeCorrection(
        activity_mbq=float(activity), kept_fraction=float(measured_mbq / activity),
        kept_first=float(kept[int(np.argmax(d))]), kept_last=float(kept[int(np.argmin(d))]),
        peak_activity_mbq=float(peak), error_gain=float(gain))
