"""Quality of life: QLQ-C30 and QLQ-GI.NET21 change from baseline per scale.

Per visit and scale: mean change with its t-based confidence interval, and the numbers improved,
stable and worse by the plan's threshold (10 points, Osoba et al., J Clin Oncol 1998;16:139).
The change of global health status (QL2) and of the summary score at the primary visit is set
against the primary response (Mann-Whitney U) and the tumour absorbed dose (Spearman), as the
registry record asks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hepar.clinical import (
    AnalysisPlan,
    ChangeClass,
    QolScores,
    Questionnaire,
    qol_change,
    score_answers,
)

from ._records import PatientRecord

__all__ = ["QolAnalysis", "QolAssociation", "ScaleSummary", "analyse_qol"]


@dataclass(frozen=True)
class ScaleSummary:
    """Change from baseline of one scale at one visit."""

    visit: str
    code: str
    name: str
    instrument: str
    n: int
    baseline_mean: float | None
    follow_up_mean: float | None
    mean_change: float | None
    lower: float | None
    upper: float | None
    improved: int
    stable: int
    worse: int


@dataclass(frozen=True)
class QolAssociation:
    """QoL change at the primary visit against response and dose."""

    code: str
    responders_mean_change: float | None
    non_responders_mean_change: float | None
    n_responders: int
    n_non_responders: int
    mann_whitney_p: float | None
    spearman_rho_dose: float | None
    spearman_p_dose: float | None
    n_with_dose: int


@dataclass(frozen=True)
class QolAnalysis:
    """Every scale at every visit, trajectories (mean score per visit) and associations."""

    summaries: list[ScaleSummary]
    trajectories: dict[str, dict[str, float | None]]
    associations: list[QolAssociation]
    changes: dict[str, dict[str, dict[str, float | None]]]
    visits: list[str]


def _mean_ci(values: Sequence[float], level: float) -> tuple[float | None, float | None,
                                                              float | None]:
    if not values:
        return None, None, None
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, None, None
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * stats.sem(values))
    return mean, mean - half, mean + half


def analyse_qol(patients: Sequence[PatientRecord], questionnaires: Sequence[Questionnaire],
                plan: AnalysisPlan, *, responders: Mapping[str, bool],
                tumour_dose_gy: Mapping[str, float]) -> QolAnalysis:
    """QoL change from ``plan.qol_baseline_visit`` at each of ``plan.qol_visits``."""
    info = {s.code: (s.name, q.instrument) for q in questionnaires for s in q.scales}
    info["summary"] = ("QLQ-C30 summary score", "QLQ-C30")
    codes = list(info)
    visits = [plan.qol_baseline_visit, *plan.qol_visits]
    scores: dict[str, dict[str, dict[str, float | None]]] = {}
    for patient in patients:
        if not patient.treated:
            continue
        for visit in visits:
            if visit in patient.qol:
                result = score_answers(patient.qol[visit], questionnaires)
                scores.setdefault(patient.patient_id, {})[visit] = result.flat()
    trajectories = {code: {visit: _mean([s[visit].get(code) for s in scores.values()
                                         if visit in s]) for visit in visits} for code in codes}
    summaries: list[ScaleSummary] = []
    changes: dict[str, dict[str, dict[str, float | None]]] = {}
    for visit in plan.qol_visits:
        per_code: dict[str, list[tuple[float, float, float, ChangeClass]]] = {}
        for pid, by_visit in scores.items():
            if plan.qol_baseline_visit not in by_visit or visit not in by_visit:
                continue
            base, follow = by_visit[plan.qol_baseline_visit], by_visit[visit]
            rows = qol_change(
                QolScores(scores={k: v for k, v in base.items() if k != "summary"},
                          summary=base.get("summary")),
                QolScores(scores={k: v for k, v in follow.items() if k != "summary"},
                          summary=follow.get("summary")),
                list(questionnaires), threshold_points=plan.qol_threshold_points)
            for row in rows:
                changes.setdefault(visit, {}).setdefault(pid, {})[row.code] = row.change
                if row.change is None or row.classification is None:
                    continue
                assert row.baseline is not None and row.follow_up is not None
                per_code.setdefault(row.code, []).append(
                    (row.baseline, row.follow_up, row.change, row.classification))
        for code in codes:
            rows_ = per_code.get(code, [])
            mean, lower, upper = _mean_ci([r[2] for r in rows_], plan.confidence_level)
            kinds = [r[3] for r in rows_]
            summaries.append(ScaleSummary(
                visit=visit, code=code, name=info[code][0], instrument=info[code][1],
                n=len(rows_), baseline_mean=_mean([r[0] for r in rows_]),
                follow_up_mean=_mean([r[1] for r in rows_]), mean_change=mean, lower=lower,
                upper=upper, improved=kinds.count(ChangeClass.IMPROVED),
                stable=kinds.count(ChangeClass.STABLE),
                worse=kinds.count(ChangeClass.DETERIORATED)))
    associations = [_association(code, changes.get(plan.primary_visit, {}), responders,
                                 tumour_dose_gy) for code in ("QL2", "summary")]
    return QolAnalysis(summaries, trajectories, associations, changes, visits)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _association(code: str, changes: Mapping[str, Mapping[str, float | None]],
                 responders: Mapping[str, bool], dose: Mapping[str, float]) -> QolAssociation:
    pairs = [(pid, c[code]) for pid, c in changes.items() if c.get(code) is not None]
    yes = [float(v) for pid, v in pairs if responders.get(pid) is True and v is not None]
    no = [float(v) for pid, v in pairs if responders.get(pid) is False and v is not None]
    p_value = None
    if yes and no:
        p_value = float(stats.mannwhitneyu(yes, no, alternative="two-sided").pvalue)
    with_dose = [(dose[pid], float(v)) for pid, v in pairs if pid in dose and v is not None]
    rho = p_rho = None
    if len(with_dose) >= 3 and len({d for d, _ in with_dose}) > 1 and \
            len({v for _, v in with_dose}) > 1:
        result = stats.spearmanr([d for d, _ in with_dose], [v for _, v in with_dose])
        rho, p_rho = float(result.statistic), float(result.pvalue)
    return QolAssociation(code, _mean(yes), _mean(no), len(yes), len(no), p_value, rho, p_rho,
                          len(with_dose))

