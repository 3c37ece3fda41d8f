"""Figures of the study report (matplotlib, object API: no pyplot state, Agg canvas).

Each function takes analysis results (or dosimetry records) and returns a
:class:`matplotlib.figure.Figure`; writing it to a file is the caller's (``hepar.reports``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from hepar.dosimetry import DoseVolumeHistogram

from ._dose_response import DoseResponse
from ._dosimetry_analysis import BlandAltman
from ._endpoints import ConsortFlow, PatientResponse
from ._qol_analysis import QolAnalysis
from ._survival import KaplanMeier
from ._time_to_event import SurvivalEndpoints

__all__ = [
    "RESPONSE_COLOURS",
    "bland_altman_figure",
    "consort_figure",
    "dose_response_figure",
    "dvh_figure",
    "fused_slice_figure",
    "km_figure",
    "qol_trajectory_figure",
    "swimmer_figure",
    "waterfall_figure",
]

#: Colour per RECIST category (colour-blind safe, Okabe-Ito).
RESPONSE_COLOURS = {"CR": "#009E73", "PR": "#56B4E9", "SD": "#F0E442", "NON-CR/NON-PD": "#F0E442",
                    "PD": "#D55E00", "NE": "#999999"}


def _figure(width_in: float = 6.5, height_in: float = 3.8) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def consort_figure(flow: ConsortFlow) -> Figure:
    """CONSORT flow diagram: screened -> enrolled -> treated -> evaluable, with exclusions."""
    figure = _figure(6.5, 5.0)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    failures = "; ".join(f"{k}: {v}" for k, v in flow.failures_by_criterion.items()) or "none"
    main = [(9.0, f"Screened\nn = {flow.screened}"), (6.5, f"Enrolled\nn = {flow.enrolled}"),
            (4.0, f"Treated (safety)\nn = {flow.treated}"),
            (1.5, f"Evaluable (per protocol)\nn = {flow.evaluable}")]
    side = [(7.75, f"Screen failures n = {flow.screen_failures}\n({failures})"
             + (f"\nEligible, not enrolled n = {flow.eligible_not_enrolled}"
                if flow.eligible_not_enrolled else "")),
            (5.25, f"Not treated n = {flow.not_treated}"),
            (2.75, f"Not evaluable at the primary visit n = {flow.not_evaluable}")]
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black"}
    for y, text in main:
        ax.text(3.0, y, text, ha="center", va="center", fontsize=9, bbox=box)
    for (y0, _), (y1, _) in itertools.pairwise(main):
        ax.annotate("", xy=(3.0, y1 + 0.55), xytext=(3.0, y0 - 0.55),
                    arrowprops={"arrowstyle": "->"})
    for y, text in side:
        ax.plot([3.0, 5.4], [y, y], color="black", linewidth=0.8)
        ax.text(5.5, y, text, ha="left", va="center", fontsize=7.5, wrap=True, bbox=box)
    return figure


def waterfall_figure(responses: Sequence[PatientResponse]) -> Figure:
    """Best % change of the target sum from baseline per patient (bars sorted, coloured by the
    primary response), with the -30 % and +20 % RECIST lines."""
    rows = sorted((r for r in responses if r.best_change_pct is not None),
                  key=lambda r: -(r.best_change_pct or 0.0))
    figure = _figure()
    ax = figure.add_subplot()
    values = [r.best_change_pct or 0.0 for r in rows]
    ax.bar(range(len(rows)), values, color=[RESPONSE_COLOURS[r.primary.value] for r in rows],
           edgecolor="black", linewidth=0.4)
    ax.axhline(-30.0, linestyle="--", color="black", linewidth=0.8)
    ax.axhline(20.0, linestyle=":", color="black", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [r.patient_id[-4:] for r in rows], rotation=90, fontsize=6)
    ax.set_ylabel("best change of target sum (%)")
    ax.set_title("Waterfall: best change from baseline (colour: response at the primary visit)",
                 fontsize=9)
    for label, colour in RESPONSE_COLOURS.items():
        if any(r.primary.value == label for r in rows):
            ax.bar([], [], color=colour, label=label)
    ax.legend(fontsize=7, loc="upper right")
    return figure


def swimmer_figure(survival: SurvivalEndpoints, responses: Sequence[PatientResponse]) -> Figure:
    """Follow-up per patient (months), progression (x) and death (black bar end)."""
    os_times = {t.patient_id: t for t in survival.times["os"]}
    pfs = {t.patient_id: t for t in survival.times["pfs"]}
    primary = {r.patient_id: r.primary.value for r in responses}
    order = sorted(os_times, key=lambda pid: os_times[pid].months)
    figure = _figure(6.5, max(3.0, 0.16 * len(order) + 1.0))
    ax = figure.add_subplot()
    for index, pid in enumerate(order):
        ax.barh(index, os_times[pid].months, color=RESPONSE_COLOURS.get(primary.get(pid, "NE")),
                edgecolor="black" if os_times[pid].event else "none", linewidth=0.6)
        if pid in pfs and pfs[pid].event:
            ax.plot(pfs[pid].months, index, marker="x", color="black", markersize=4)
    ax.set_yticks(range(len(order)), [pid[-4:] for pid in order], fontsize=6)
    ax.set_xlabel("months from 166Ho treatment")
    ax.set_title("Swimmer plot (colour: primary response; x: progression; outlined: died)",
                 fontsize=9)
    return figure


def km_figure(curves: Sequence[KaplanMeier], *, title: str = "Kaplan-Meier") -> Figure:
    """Kaplan-Meier curves with their confidence bands and censoring marks."""
    figure = _figure()
    ax = figure.add_subplot()
    for curve in curves:
        line = ax.step(curve.time, curve.survival, where="post", label=(
            f"{curve.name} (median {curve.median:.1f} {curve.unit})" if curve.median is not None
            else f"{curve.name} (median not reached)"))[0]
        ax.fill_between(curve.time, curve.lower, curve.upper, step="post", alpha=0.15,
                        color=line.get_color())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"time ({curves[0].unit if curves else 'months'})")
    ax.set_ylabel("probability")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return figure


def qol_trajectory_figure(qol: QolAnalysis, codes: Sequence[str]) -> Figure:
    """Mean score per visit of the chosen scales."""
    figure = _figure()
    ax = figure.add_subplot()
    x = np.arange(len(qol.visits))
    for code in codes:
        values = [qol.trajectories.get(code, {}).get(v) for v in qol.visits]
        ax.plot(x, [np.nan if v is None else v for v in values], marker="o", label=code)
    ax.set_xticks(x, qol.visits)
    ax.set_ylim(0, 100)
    ax.set_ylabel("mean score (0-100)")
    ax.set_title("QoL trajectories (QLQ-C30, QLQ-GI.NET21)", fontsize=9)
    ax.legend(fontsize=7, ncol=3)
    return figure


def dose_response_figure(model: DoseResponse) -> Figure:
    """Lesion responses against dose (jittered 0/1), the fitted curve and D50, and the ROC."""
    figure = _figure(6.5, 3.2)
    ax, roc = figure.subplots(1, 2, width_ratios=[2, 1])
    rng = np.random.default_rng(0)
    y = np.asarray(model.responded, float)
    ax.scatter(model.doses_gy, y + rng.uniform(-0.04, 0.04, len(y)), s=10, color="#0072B2",
               alpha=0.7, label="lesions")
    if model.curve_dose_gy:
        ax.plot(model.curve_dose_gy, model.curve_probability, color="black", label="GEE logistic")
    if model.d50_gy is not None:
        ax.axvline(model.d50_gy, linestyle="--", color="#D55E00",
                   label=f"D50 {model.d50_gy:.0f} Gy")
    ax.set_xlabel("lesion mean absorbed dose (Gy)")
    ax.set_ylabel("response (>= 30 % decrease)")
    ax.legend(fontsize=7)
    roc.plot(model.roc_fpr, model.roc_tpr, color="black")
    roc.plot([0, 1], [0, 1], linestyle=":", color="grey")
    roc.set_title(f"ROC AUC {model.auc:.2f}" if model.auc is not None else "ROC", fontsize=9)
    roc.set_xlabel("1 - specificity")
    roc.set_ylabel("sensitivity")
    return figure


def bland_altman_figure(agreement: Sequence[BlandAltman]) -> Figure:
    """Bland-Altman plots: post-treatment - scout-predicted dose against their mean."""
    figure = _figure(6.5, 2.6)
    axes = figure.subplots(1, max(len(agreement), 1), squeeze=False)[0]
    for ax, ba in zip(axes, agreement, strict=False):
        ax.scatter(ba.means_gy, ba.differences_gy, s=10)
        for value, style in ((ba.bias_gy, "-"), (ba.lower_loa_gy, "--"), (ba.upper_loa_gy, "--")):
            if value is not None:
                ax.axhline(value, linestyle=style, color="black", linewidth=0.8)
        ax.set_title(ba.name, fontsize=8)
        ax.set_xlabel("mean (Gy)", fontsize=7)
        ax.set_ylabel("post - scout (Gy)", fontsize=7)
    return figure


def dvh_figure(dvhs: Sequence[DoseVolumeHistogram], *, title: str = "Dose-volume histograms"
               ) -> Figure:
    """Cumulative DVHs (fraction of each VOI's mass receiving at least the dose)."""
    figure = _figure()
    ax = figure.add_subplot()
    for dvh in dvhs:
        ax.plot(dvh.bin_edges_gy, 100.0 * dvh.cumulative,
                label=f"{dvh.name} (mean {dvh.mean_gy:.0f} Gy)")
    ax.set_xlabel("absorbed dose (Gy)")
    ax.set_ylabel("volume (%)")
    ax.set_ylim(0, 101)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return figure


def fused_slice_figure(ct_hu: ArrayLike, overlay: ArrayLike, *, pixel_mm: tuple[float, float],
                       overlay_label: str = "Gy", title: str = "Fused SPECT/CT") -> Figure:
    """One axial slice: CT (window -160..240 HU) with the SPECT or dose map overlaid (hot).

    ``ct_hu`` and ``overlay`` are 2-D arrays on the same grid, indexed (y, x).
    """
    ct, top = np.asarray(ct_hu, float), np.asarray(overlay, float)
    extent = (0.0, ct.shape[1] * pixel_mm[1], ct.shape[0] * pixel_mm[0], 0.0)
    figure = _figure(4.5, 4.0)
    ax = figure.add_subplot()
    ax.imshow(ct, cmap="gray", vmin=-160, vmax=240, extent=extent)
    peak = float(top.max()) if top.size else 0.0
    shown = np.ma.masked_less_equal(top, 0.05 * peak if peak > 0 else 0.0)
    image = ax.imshow(shown, cmap="hot", alpha=0.55, extent=extent, vmin=0.0,
                      vmax=peak if peak > 0 else 1.0)
    figure.colorbar(image, ax=ax, label=overlay_label, shrink=0.8)
    ax.set_xlabel("mm")
    ax.set_title(title, fontsize=9)
    return figure
