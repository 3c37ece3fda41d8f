"""Lesion-level dose-response: response of a lesion against its mean absorbed dose.

A lesion responds when its diameter falls by at least the plan's threshold (30 %, the RECIST 1.1
PR threshold applied per lesion) at the primary visit. The model is a logistic regression on dose
fitted by generalised estimating equations with patients as clusters (exchangeable working
correlation, robust sandwich covariance; Liang & Zeger, Biometrika 1986;73:13; statsmodels GEE).
The dose for 50 % response is D50 = -b0 / b1 with a delta-method interval (or a cluster
bootstrap over patients, when the plan asks for resamples). ROC AUC is the Mann-Whitney
statistic U / (n1 n0) (Hanley & McNeil, Radiology 1982;143:29), written here because it is one
line over scipy.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._records import LesionRecord

__all__ = ["DoseResponse", "dose_for_response", "dose_response", "lesion_responds"]

#: Dose scale of the fit (numerical conditioning only: coefficients per 100 Gy).
_SCALE_GY = 100.0


@dataclass(frozen=True)
class DoseResponse:
    """The fitted dose-response model and its summaries (``None`` where it cannot be fitted)."""

    n_lesions: int
    n_patients: int
    n_responding: int
    intercept: float | None
    slope_per_gy: float | None
    d50_gy: float | None
    d50_lower_gy: float | None
    d50_upper_gy: float | None
    d50_method: str
    auc: float | None
    roc_fpr: list[float]
    roc_tpr: list[float]
    doses_gy: list[float]
    responded: list[bool]
    patient_ids: list[str]
    curve_dose_gy: list[float]
    curve_probability: list[float]
    note: str
    n_excluded_unreliable: int = 0

    def probability(self, dose_gy: float) -> float | None:
        """Fitted response probability at ``dose_gy``."""
        if self.intercept is None or self.slope_per_gy is None:
            return None
        return float(1.0 / (1.0 + np.exp(-(self.intercept + self.slope_per_gy * dose_gy))))


def lesion_responds(lesion: LesionRecord, decrease_pct: float) -> bool | None:
    """Whether the lesion's diameter fell by at least ``decrease_pct`` (None: not measured)."""
    if lesion.follow_up_mm is None:
        return None
    return lesion.follow_up_mm <= (1.0 - decrease_pct / 100.0) * lesion.baseline_mm


def dose_for_response(relative_diameter: Callable[[float, float], float], *, days: float,
                      decrease_pct: float = 30.0, max_dose_gy: float = 5000.0) -> float | None:
    """The dose at which a lesion's expected diameter ``days`` after treatment is
    ``1 - decrease_pct / 100`` of baseline: the D50 of a size model with symmetric reader noise
    (half the lesions at that dose fall below the threshold), e.g. the virtual cohort's
    ``DoseResponseModel.relative_diameter(dose_gy, days)``. ``None`` when no dose up to
    ``max_dose_gy`` reaches it (the model must shrink lesions monotonically with dose)."""
    from scipy.optimize import brentq

    target = 1.0 - decrease_pct / 100.0
    low, high = relative_diameter(0.0, days) - target, relative_diameter(max_dose_gy, days) - target
    if not (low > 0 > high):
        return None
    return float(brentq(lambda d: relative_diameter(d, days) - target, 0.0, max_dose_gy))


def _fit(doses: np.ndarray, y: np.ndarray, groups: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray] | None:
    import statsmodels.api as sm

    exog = np.column_stack([np.ones_like(doses), doses / _SCALE_GY])
    model = sm.GEE(y.astype(float), exog, groups=groups, family=sm.families.Binomial(),
                   cov_struct=sm.cov_struct.Exchangeable())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = model.fit(maxiter=200)
        except (np.linalg.LinAlgError, ValueError):
            return None
    params = np.asarray(result.params, float)
    cov = np.asarray(result.cov_params(), float)
    if not np.all(np.isfinite(params)) or not np.all(np.isfinite(cov)) or params[1] <= 0:
        return None
    return params, cov


def _auc(scores: np.ndarray, y: np.ndarray) -> tuple[float | None, list[float], list[float]]:
    pos, neg = scores[y], scores[~y]
    if not len(pos) or not len(neg):
        return None, [], []
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    thresholds = np.r_[np.inf, np.sort(np.unique(scores))[::-1]]
    tpr = [float((pos >= t).mean()) for t in thresholds]
    fpr = [float((neg >= t).mean()) for t in thresholds]
    return float(u / (len(pos) * len(neg))), fpr, tpr


def dose_response(lesions: Sequence[LesionRecord], *, decrease_pct: float = 30.0,
                  treated_only: bool = True, confidence_level: float = 0.95,
                  bootstrap_samples: int = 0, seed: int = 0) -> DoseResponse:
    """Fit the lesion-level dose-response model (module docstring) on the lesions whose dose is
    reliable (``LesionRecord.dose_reliable``; the others are counted in
    ``n_excluded_unreliable``)."""
    considered = [lesion for lesion in lesions if lesion.in_treated_volume or not treated_only]
    excluded = sum(not lesion.dose_reliable for lesion in considered)
    rows = [(lesion, lesion_responds(lesion, decrease_pct)) for lesion in considered
            if lesion.dose_reliable]
    rows = [(lesion, r) for lesion, r in rows if r is not None]
    doses = np.array([lesion.dose_gy for lesion, _ in rows], float)
    y = np.array([bool(r) for _, r in rows], bool)
    pids = [lesion.patient_id for lesion, _ in rows]
    codes = {pid: i for i, pid in enumerate(dict.fromkeys(pids))}
    groups = np.array([codes[p] for p in pids], int)
    auc, fpr, tpr = _auc(doses, y) if len(rows) else (None, [], [])
    empty = DoseResponse(len(rows), len(codes), int(y.sum()), None, None, None, None, None,
                         "none", auc, fpr, tpr, doses.tolist(), y.tolist(), pids, [], [], "",
                         excluded)
    if len(rows) < 4 or y.all() or not y.any():
        return _with_note(empty, "too few lesions, or all or none responding: no model fitted")
    fit = _fit(doses, y, groups)
    if fit is None:
        return _with_note(empty, "the GEE fit did not converge to an increasing dose-response "
                          "(e.g. complete separation)")
    (b0, b1), cov = fit
    d50 = -b0 / b1 * _SCALE_GY
    z = float(stats.norm.ppf(0.5 + confidence_level / 2))
    gradient = np.array([-1.0 / b1, b0 / b1**2]) * _SCALE_GY
    se = float(np.sqrt(gradient @ cov @ gradient))
    lower, upper, method = d50 - z * se, d50 + z * se, "delta method (robust covariance)"
    if bootstrap_samples > 0:
        rng = np.random.default_rng(seed)
        members = [np.nonzero(groups == g)[0] for g in range(len(codes))]
        estimates = []
        for _ in range(bootstrap_samples):
            pick = rng.integers(0, len(members), len(members))
            index = np.concatenate([members[k] for k in pick])
            refit = _fit(doses[index], y[index], np.repeat(np.arange(len(pick)),
                                                          [len(members[k]) for k in pick]))
            if refit is not None:
                estimates.append(-refit[0][0] / refit[0][1] * _SCALE_GY)
        if len(estimates) >= 0.5 * bootstrap_samples:
            tail = 50.0 * (1.0 - confidence_level)
            lower, upper = (float(v) for v in np.percentile(estimates, [tail, 100.0 - tail]))
            method = f"cluster bootstrap over patients ({len(estimates)} resamples)"
    grid = np.linspace(0.0, max(float(doses.max()) * 1.1, d50 * 1.5, 1.0), 121)
    probability = 1.0 / (1.0 + np.exp(-(b0 + b1 * grid / _SCALE_GY)))
    return DoseResponse(len(rows), len(codes), int(y.sum()), float(b0), float(b1 / _SCALE_GY),
                        float(d50), float(lower), float(upper), method, auc, fpr, tpr,
                        doses.tolist(), y.tolist(), pids, grid.tolist(), probability.tolist(),
                        "", excluded)


def _with_note(result: DoseResponse, note: str) -> DoseResponse:
    from dataclasses import replace

    return replace(result, note=note)
