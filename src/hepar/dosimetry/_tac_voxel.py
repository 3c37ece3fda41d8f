"""Voxel-wise time–activity fits, vectorised over voxels (same models as :mod:`._tac`).

- ``mono``: weighted log-linear least squares per voxel (weights ∝ activity, the Poisson variance
  of counts carried to the logarithm), closed form; a decay constant below the physical one is set
  to the physical one and the amplitude refitted.
- ``bi``: Levenberg–Marquardt on all voxels at once (batched normal equations), in the
  parameters of :mod:`._tac` that keep every decay constant at or above the physical one, started
  by curve peeling.

A voxel whose fit fails (non-positive samples for the log fit, no convergence, a negative curve)
gets the trapezoid + physical tail, and the model used is recorded per voxel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.physics import S_PER_H, decay_constant_per_h

from ._checks import require_nonnegative, require_same_grid
from ._tac import TacModel, check_time_points

__all__ = ["VoxelTacResult", "fit_voxel_time_activity"]

#: Voxels per batch of the vectorised fits (bounds memory to a few hundred MB).
BATCH_VOXELS = 100_000
_LM_ITERATIONS = 80
#: Codes of ``VoxelTacResult.model_code``.
MODEL_CODES = {TacModel.TRAPEZOID: 0, TacModel.MONO: 1, TacModel.BI: 2}


@dataclass(frozen=True, eq=False)
class VoxelTacResult:
    """Time-integrated activity per voxel (Bq·s/mL), its standard uncertainty (NaN where none),
    and which model each voxel used (:data:`MODEL_CODES`; -1 outside the mask)."""

    tia: Volume
    tia_sd: Volume
    model_code: NDArray[np.int8]

    @property
    def fallback_fraction(self) -> float:
        """Fraction of the fitted voxels that fell back to the trapezoid."""
        inside = self.model_code >= 0
        return float((self.model_code[inside] == 0).mean()) if inside.any() else 0.0


def _trapezoid(t: NDArray[np.float64], a: NDArray[np.float64], lam: float) -> NDArray[np.float64]:
    tt = np.concatenate([[0.0], t])
    aa = np.concatenate([np.zeros((a.shape[0], 1)), a], axis=1)
    area = np.sum(0.5 * (aa[:, 1:] + aa[:, :-1]) * np.diff(tt), axis=1)
    return np.asarray(area + a[:, -1] / lam, dtype=float)


def _mono(t: NDArray[np.float64], a: NDArray[np.float64], lam_phys: float) -> tuple[NDArray, ...]:
    ok = np.all(a > 0, axis=1)
    y = np.log(np.where(a > 0, a, 1.0))
    w = np.where(a > 0, a, 0.0)
    sw = w.sum(axis=1)
    sw = np.where(sw > 0, sw, 1.0)
    tm = (w * t).sum(axis=1) / sw
    ym = (w * y).sum(axis=1) / sw
    sxx = (w * (t - tm[:, None]) ** 2).sum(axis=1)
    slope = (w * (t - tm[:, None]) * (y - ym[:, None])).sum(axis=1) / np.where(sxx > 0, sxx, 1.0)
    lam = -slope
    free = lam >= lam_phys
    lam = np.where(free, lam, lam_phys)
    intercept = np.where(free, ym - slope * tm, ((w * (y + lam_phys * t)).sum(axis=1) / sw))
    tia = np.exp(intercept) / lam
    m = t.size
    resid = y - (intercept[:, None] - lam[:, None] * t)
    dof = m - 2
    # weighted regression: residual variance per unit weight, then covariance of (intercept, slope)
    s2 = (w * resid**2).sum(axis=1) / dof if dof > 0 else np.full(a.shape[0], np.nan)
    var_slope = s2 / np.where(sxx > 0, sxx, np.nan)
    var_int = s2 * (1.0 / sw + tm**2 / np.where(sxx > 0, sxx, np.nan))
    cov = -tm * var_slope
    # TIA = exp(b)/lam with lam = -slope: dT/db = T, dT/dlam = -T/lam
    var_tia = tia**2 * (var_int + var_slope / lam**2 + 2.0 * cov / lam)
    sd = np.where(free, np.sqrt(np.maximum(var_tia, 0.0)), np.sqrt(np.maximum(tia**2 * var_int, 0)))
    return tia, sd, ok & np.isfinite(tia)


def _bi_curve(
    t: NDArray[np.float64], p: NDArray[np.float64], lam_phys: float
) -> tuple[NDArray[np.float64], ...]:
    a1, th1, a2, th2 = p.T
    lam2 = lam_phys + np.exp(th2)
    lam1 = lam2 + np.exp(th1)
    e1 = np.exp(-lam1[:, None] * t)
    e2 = np.exp(-lam2[:, None] * t)
    f = a1[:, None] * e1 + a2[:, None] * e2
    d_lam2 = np.exp(th2)[:, None]
    d_lam1 = np.exp(th1)[:, None]
    jac = np.stack([
        e1,
        -a1[:, None] * t * e1 * d_lam1,
        e2,
        (-a1[:, None] * t * e1 - a2[:, None] * t * e2) * d_lam2,
    ], axis=2)
    return f, jac, lam1, lam2


def _peel(t: NDArray[np.float64], a: NDArray[np.float64], lam_phys: float) -> NDArray[np.float64]:
    half = max(2, t.size // 2)
    w = np.maximum(a[:, -half:], 1e-12)
    slope = np.polyfit(t[-half:], np.log(w).T, 1)
    lam2 = np.maximum(-slope[0], lam_phys * 1.01)
    a2 = np.exp(slope[1])
    residual = a[:, :-half] - a2[:, None] * np.exp(-lam2[:, None] * t[:-half])
    sign = np.where(residual.sum(axis=1) < 0, -1.0, 1.0)
    r = np.maximum(np.abs(residual), 1e-12)
    if r.shape[1] >= 2:
        s2 = np.polyfit(t[:-half], np.log(r).T, 1)
        lam1 = np.maximum(-s2[0], lam2 * 3.0)
        a1 = sign * np.exp(s2[1])
    else:
        lam1, a1 = lam2 * 3.0, sign * r[:, 0]
    return np.stack([
        a1, np.log(lam1 - lam2), a2, np.log(np.maximum(lam2 - lam_phys, lam_phys * 1e-6)),
    ], axis=1)


def _bi(t: NDArray[np.float64], a: NDArray[np.float64], lam_phys: float) -> tuple[NDArray, ...]:
    scale = np.maximum(a.max(axis=1), 1e-30)
    y = a / scale[:, None]
    p = _peel(t, y, lam_phys)
    p = np.where(np.isfinite(p), p, 0.0)
    f, jac, _, _ = _bi_curve(t, p, lam_phys)
    cost = ((y - f) ** 2).sum(axis=1)
    mu = np.full(y.shape[0], 1e-3)
    eye = np.eye(4)
    for _ in range(_LM_ITERATIONS):
        jtj = np.einsum("nmk,nml->nkl", jac, jac)
        grad = np.einsum("nmk,nm->nk", jac, y - f)
        damped = jtj + mu[:, None, None] * (jtj * eye + 1e-12 * eye)
        try:
            step = np.linalg.solve(damped, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        trial = np.clip(p + step, -50.0, 50.0)
        with np.errstate(over="ignore", invalid="ignore"):
            f_t, jac_t, _, _ = _bi_curve(t, trial, lam_phys)
            cost_t = ((y - f_t) ** 2).sum(axis=1)
        better = np.isfinite(cost_t) & (cost_t < cost)
        p = np.where(better[:, None], trial, p)
        f = np.where(better[:, None], f_t, f)
        jac = np.where(better[:, None, None], jac_t, jac)
        cost = np.where(better, cost_t, cost)
        mu = np.clip(np.where(better, mu / 3.0, mu * 4.0), 1e-12, 1e12)
    _, jac, lam1, lam2 = _bi_curve(t, p, lam_phys)
    a1, a2 = p[:, 0], p[:, 2]
    tia = (a1 / lam1 + a2 / lam2) * scale
    dof = t.size - 4
    jtj = np.einsum("nmk,nml->nkl", jac, jac)
    with np.errstate(invalid="ignore", divide="ignore"):
        residual_var = cost / dof if dof > 0 else np.full_like(cost, np.nan)
        cov = np.linalg.pinv(jtj) * residual_var[:, None, None]
        e1, e2 = np.exp(p[:, 1]), np.exp(p[:, 3])
        grad = np.stack([
            1.0 / lam1, -a1 / lam1**2 * e1, 1.0 / lam2, -(a1 / lam1**2 + a2 / lam2**2) * e2,
        ], axis=1)
        sd = np.sqrt(np.maximum(np.einsum("nk,nkl,nl->n", grad, cov, grad), 0.0)) * scale
    ok = np.isfinite(tia) & (a2 > 0) & (a1 + a2 >= 0)
    return tia, sd, ok


def fit_voxel_time_activity(
    activity: Sequence[Volume],
    times_h: ArrayLike,
    *,
    half_life_h: float,
    model: TacModel | str = TacModel.MONO,
    mask: Mask | None = None,
) -> VoxelTacResult:
    """Fit every voxel's time–activity curve and integrate it from administration to infinity.

    Parameters
    ----------
    activity
        One activity map (Bq/mL) per time point, all on one grid and frame of reference.
    times_h
        Acquisition times in h after administration, strictly increasing.
    half_life_h
        Physical half-life in h.
    model
        ``"mono"`` (default), ``"bi"``, ``"trapezoid"`` or ``"auto"`` (bi from 5 points).
    mask
        Only voxels inside (occupancy >= 0.5) are fitted; others get 0.
    """
    t, _ = check_time_points(times_h, np.zeros(len(activity)))
    try:
        which = TacModel(model)
    except ValueError:
        raise InvalidValueError(
            field="model", value=model, expected=f"one of {[m.value for m in TacModel]}"
        ) from None
    if which is TacModel.AUTO:
        which = TacModel.BI if t.size >= 5 else TacModel.MONO
    reference = activity[0]
    for i, volume in enumerate(activity):
        volume.require_unit(VolumeUnit.BQ_PER_ML, name=f"activity[{i}]")
        require_same_grid(reference, volume, f"activity[{i}]")
        require_nonnegative(volume, f"activity[{i}]")
    if mask is not None:
        require_same_grid(reference, mask.grid, f"mask {mask.name!r}")
        inside = mask.boolean.ravel()
    else:
        inside = np.ones(int(np.prod(reference.shape)), dtype=bool)
    stacked = np.stack([np.asarray(v.array, dtype=float).ravel() for v in activity], axis=1)
    index = np.flatnonzero(inside)
    lam_phys = decay_constant_per_h(half_life_h)
    tia = np.zeros(stacked.shape[0])
    sd = np.full(stacked.shape[0], np.nan)
    code = np.full(stacked.shape[0], -1, dtype=np.int8)
    for start in range(0, index.size, BATCH_VOXELS):
        sel = index[start:start + BATCH_VOXELS]
        a = stacked[sel]
        fallback = _trapezoid(t, a, lam_phys)
        if which is TacModel.TRAPEZOID or t.size < (2 if which is TacModel.MONO else 4):
            tia[sel], code[sel] = fallback, 0
            continue
        fitted, fitted_sd, ok = (_mono if which is TacModel.MONO else _bi)(t, a, lam_phys)
        ok &= a.max(axis=1) > 0
        tia[sel] = np.where(ok, fitted, fallback)
        sd[sel] = np.where(ok, fitted_sd, np.nan)
        code[sel] = np.where(ok, MODEL_CODES[which], 0)
    if which is TacModel.MONO and t.size < 2:
        raise InvalidValueError(
            field="times_h", value=t.tolist(), expected="at least 2 time points"
        )
    shape = reference.shape
    return VoxelTacResult(
        tia=reference.with_array(tia.reshape(shape) * S_PER_H, VolumeUnit.BQ_S_PER_ML),
        tia_sd=reference.with_array(sd.reshape(shape) * S_PER_H, VolumeUnit.BQ_S_PER_ML),
        model_code=code.reshape(shape),
    )
