"""Time–activity curves: mono- and bi-exponential fits, their integrals, and the fall-back.

Models (t in h from administration, activity in MBq):

- ``mono``: :math:`A(t) = A_0 e^{-\\lambda t}`, :math:`\\tilde A = A_0/\\lambda`;
- ``bi``: :math:`A(t) = A_1 e^{-\\lambda_1 t} + A_2 e^{-\\lambda_2 t}` with
  :math:`\\lambda_1 > \\lambda_2`, :math:`\\tilde A = A_1/\\lambda_1 + A_2/\\lambda_2`; a negative
  :math:`A_1` is the uptake phase (uptake–washout curve);
- ``trapezoid`` (fall-back): trapezoids through the points from (0, 0), plus the physical-decay tail
  :math:`A(t_n)/\\lambda_{phys}` after the last point (MIRD Pamphlet 21, Bolch et al., J Nucl Med
  2009;50:477; EANM guidance on uncertainty, Gear et al., EJNMMI 2018;45:2456).

Every decay constant is kept at or above the physical one (no biological clearance is faster than
zero); the fit is done in parameters that enforce it, :math:`\\lambda = \\lambda_{phys} +
e^\\theta`.
The uncertainty of :math:`\\tilde A` is propagated from the fit covariance (first-order, delta
method). A fit that does not converge, gives a non-finite covariance or a curve that goes negative
falls back to the trapezoid, and says why.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeWarning, curve_fit

from hepar.errors import InvalidValueError
from hepar.physics import decay_constant_per_h

__all__ = [
    "TacFit",
    "TacModel",
    "check_time_points",
    "fit_time_activity",
    "trapezoid_tia_mbq_h",
]


class TacModel(StrEnum):
    """Time–activity curve models."""

    MONO = "mono"
    BI = "bi"
    TRAPEZOID = "trapezoid"
    #: Bi-exponential when there are at least 5 points, else mono-exponential.
    AUTO = "auto"


@dataclass(frozen=True)
class TacFit:
    """A fitted (or integrated) time–activity curve.

    ``parameters`` are ``(A0_mbq, lambda_per_h)`` for ``mono`` and
    ``(A1_mbq, lambda1_per_h, A2_mbq, lambda2_per_h)`` for ``bi``; empty for ``trapezoid``.
    ``covariance`` is their covariance matrix. ``tia_mbq_h`` is the time-integrated activity from
    0 to infinity in MBq·h and ``tia_sd_mbq_h`` its standard uncertainty (``None`` when the
    method gives none). ``fallback_reason`` says why a requested fit was not used.
    """

    model: TacModel
    parameters: tuple[float, ...]
    covariance: NDArray[np.float64] | None
    tia_mbq_h: float
    tia_sd_mbq_h: float | None
    fallback_reason: str | None = None

    def activity_mbq(self, time_h: ArrayLike) -> NDArray[np.float64]:
        """The fitted curve at ``time_h`` (not defined for the trapezoid)."""
        if self.model is TacModel.TRAPEZOID:
            raise InvalidValueError(
                field="model", value=self.model.value, expected="a fitted model (mono or bi)"
            )
        t = np.asarray(time_h, dtype=float)
        p = self.parameters
        curve = p[0] * np.exp(-p[1] * t)
        if self.model is TacModel.BI:
            curve = curve + p[2] * np.exp(-p[3] * t)
        return np.asarray(curve, dtype=float)

    @property
    def effective_half_life_h(self) -> float | None:
        """Effective half-life of the (slowest) exponential, h."""
        if self.model is TacModel.MONO:
            return math.log(2.0) / self.parameters[1]
        if self.model is TacModel.BI:
            return math.log(2.0) / self.parameters[3]
        return None


def check_time_points(times_h: ArrayLike, activity: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    """Validate sample times (strictly increasing, >= 0) and activities (>= 0, same length)."""
    t = np.asarray(times_h, dtype=float)
    a = np.asarray(activity, dtype=float)
    if t.ndim != 1 or t.size < 1:
        raise InvalidValueError(field="times_h", value=t.tolist(), expected="a list of times in h")
    if a.shape[0] != t.size:
        raise InvalidValueError(
            field="activity", value=f"{a.shape[0]} values",
            expected=f"one value per time point ({t.size})",
        )
    if not np.all(np.isfinite(t)) or t.min() < 0:
        raise InvalidValueError(
            field="times_h", value=t.tolist(), expected="finite times >= 0 h after administration"
        )
    if np.any(np.diff(t) <= 0):
        raise InvalidValueError(
            field="times_h", value=t.tolist(),
            expected="time points in increasing order, without repeats",
        )
    if not np.all(np.isfinite(a)) or (a.size and a.min() < 0):
        raise InvalidValueError(
            field="activity", value=a.tolist() if a.ndim == 1 else "an array",
            expected="finite activities >= 0",
        )
    return t, a


def trapezoid_tia_mbq_h(
    times_h: ArrayLike, activity_mbq: ArrayLike, *, half_life_h: float
) -> float:
    """Trapezoids from (0, 0) through the points plus the physical tail, MBq·h.

    .. math:: \\tilde A = \\sum_i \\tfrac12 (A_i + A_{i-1})(t_i - t_{i-1})
              + \\frac{A_n}{\\lambda_{phys}}, \\quad (t_0, A_0) = (0, 0)

    Examples
    --------
    >>> round(trapezoid_tia_mbq_h([24.0], [100.0], half_life_h=159.5), 1)
    24211.0
    """
    t, a = check_time_points(times_h, activity_mbq)
    tt = np.concatenate([[0.0], t])
    aa = np.concatenate([[0.0], a])
    area = float(np.sum(0.5 * (aa[1:] + aa[:-1]) * np.diff(tt)))
    return area + float(a[-1]) / decay_constant_per_h(half_life_h)


def _mono(t: NDArray[np.float64], a0: float, theta: float, lam_phys: float) -> NDArray[np.float64]:
    return np.asarray(a0 * np.exp(-(lam_phys + np.exp(theta)) * t), dtype=float)


def _bi(
    t: NDArray[np.float64], a1: float, th1: float, a2: float, th2: float, lam_phys: float
) -> NDArray[np.float64]:
    lam2 = lam_phys + np.exp(th2)
    lam1 = lam2 + np.exp(th1)
    return np.asarray(a1 * np.exp(-lam1 * t) + a2 * np.exp(-lam2 * t), dtype=float)


def _theta(lam: float, floor: float) -> float:
    return math.log(max(lam - floor, 1e-6 * max(floor, 1e-9)))


def _loglinear(t: NDArray[np.float64], a: NDArray[np.float64]) -> tuple[float, float]:
    good = a > 0
    if good.sum() < 2:
        return float(a.max()), 0.0
    slope, intercept = np.polyfit(t[good], np.log(a[good]), 1, w=np.sqrt(a[good]))
    return float(math.exp(intercept)), float(-slope)


def _peel(t: NDArray[np.float64], a: NDArray[np.float64], lam_phys: float) -> list[float]:
    """Start values for the bi-exponential by the method of residuals (curve peeling)."""
    half = max(2, t.size // 2)
    a2, lam2 = _loglinear(t[-half:], a[-half:])
    lam2 = max(lam2, lam_phys * 1.01)
    residual = a[:-half] - a2 * np.exp(-lam2 * t[:-half])
    sign = -1.0 if residual.sum() < 0 else 1.0
    a1, lam1 = _loglinear(t[:-half], np.abs(residual)) if residual.size >= 2 else (a2, 0.0)
    lam1 = max(lam1, lam2 * 3.0)
    return [sign * a1, _theta(lam1, lam2), a2, _theta(lam2, lam_phys)]


def _fit(
    t: NDArray[np.float64], a: NDArray[np.float64], sd: NDArray[np.float64] | None,
    model: TacModel, lam_phys: float,
) -> TacFit:
    fn: Callable[..., NDArray[np.float64]]
    if model is TacModel.MONO:
        a0, lam = _loglinear(t, a)
        start = [a0, _theta(max(lam, lam_phys * 1.01), lam_phys)]

        def fn(x: NDArray[np.float64], p0: float, p1: float) -> NDArray[np.float64]:
            return _mono(x, p0, p1, lam_phys)
    else:
        start = _peel(t, a, lam_phys)

        def fn(
            x: NDArray[np.float64], p0: float, p1: float, p2: float, p3: float
        ) -> NDArray[np.float64]:
            return _bi(x, p0, p1, p2, p3, lam_phys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        with np.errstate(over="ignore", invalid="ignore"):
            theta, cov = curve_fit(
                fn, t, a, p0=start, sigma=sd, absolute_sigma=sd is not None, maxfev=20000
            )
    params: tuple[float, ...]
    if model is TacModel.MONO:
        lam = lam_phys + math.exp(theta[1])
        params = (float(theta[0]), lam)
        jac = np.diag([1.0, lam - lam_phys])  # d(params)/d(theta)
        grad = np.array([1.0 / lam, -theta[0] / lam**2])
        amplitude_ok = params[0] > 0
    else:
        lam2 = lam_phys + math.exp(theta[3])
        lam1 = lam2 + math.exp(theta[1])
        params = (float(theta[0]), lam1, float(theta[2]), lam2)
        jac = np.zeros((4, 4))
        jac[0, 0] = jac[2, 2] = 1.0
        jac[1, 1] = lam1 - lam2
        jac[1, 3] = jac[3, 3] = lam2 - lam_phys
        grad = np.array([1.0 / lam1, -params[0] / lam1**2, 1.0 / lam2, -params[2] / lam2**2])
        amplitude_ok = params[2] > 0 and params[0] + params[2] >= 0
    covariance = jac @ cov @ jac.T
    tia = float(sum(params[i] / params[i + 1] for i in range(0, len(params), 2)))
    variance = float(grad @ covariance @ grad)
    if not amplitude_ok or not np.all(np.isfinite(covariance)) or not math.isfinite(tia):
        raise InvalidValueError(
            field=f"{model.value} fit",
            value="fitted curve is negative or its covariance is not finite",
            expected="a time-activity curve the model can represent (else trapezoids are used)",
        )
    return TacFit(model, params, covariance, tia, math.sqrt(max(variance, 0.0)))


def fit_time_activity(
    times_h: ArrayLike,
    activity_mbq: ArrayLike,
    *,
    half_life_h: float,
    model: TacModel | str = TacModel.AUTO,
    activity_sd_mbq: ArrayLike | None = None,
) -> TacFit:
    """Fit a time–activity curve of one VOI and integrate it from administration to infinity.

    Parameters
    ----------
    times_h
        Sample times in h after administration, strictly increasing.
    activity_mbq
        Activity in the VOI at each time, MBq (>= 0).
    half_life_h
        Physical half-life (e.g. ``nuclide("Lu-177").half_life_h``).
    model
        ``"mono"``, ``"bi"``, ``"trapezoid"`` or ``"auto"`` (bi from 5 points, else mono).
    activity_sd_mbq
        Standard uncertainty of each activity; when given, the covariance is absolute.

    Examples
    --------
    >>> t = [4.0, 24.0, 96.0, 168.0]
    >>> a = [100.0 * np.exp(-np.log(2) / 80.0 * x) for x in t]
    >>> fit = fit_time_activity(t, a, half_life_h=159.5, model="mono")
    >>> round(fit.effective_half_life_h, 3), round(fit.tia_mbq_h, 1)
    (80.0, 11541.6)
    """
    try:
        which = TacModel(model)
    except ValueError:
        raise InvalidValueError(
            field="model", value=model, expected=f"one of {[m.value for m in TacModel]}"
        ) from None
    t, a = check_time_points(times_h, activity_mbq)
    lam_phys = decay_constant_per_h(half_life_h)
    sd = None if activity_sd_mbq is None else np.asarray(activity_sd_mbq, dtype=float)
    if which is TacModel.AUTO:
        which = TacModel.BI if t.size >= 5 else TacModel.MONO
    reason = None
    if which is not TacModel.TRAPEZOID:
        needed = 2 if which is TacModel.MONO else 4
        if t.size < needed:
            reason = f"{which.value} fit needs at least {needed} time points, got {t.size}"
        else:
            try:
                return _fit(t, a, sd, which, lam_phys)
            # curve_fit raises RuntimeError when it does not converge; _fit raises a HeparError
            except (RuntimeError, ValueError, np.linalg.LinAlgError) as error:
                reason = f"{which.value} fit failed: {error}"
    tia = trapezoid_tia_mbq_h(t, a, half_life_h=half_life_h)
    return TacFit(TacModel.TRAPEZOID, (), None, tia, None, reason)
