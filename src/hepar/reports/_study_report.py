"""The study report: HTML and PDF with every table and figure of the analysis and a provenance
appendix (:func:`write_study_report`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hepar.analysis import (
    StudyAnalysis,
    bland_altman_figure,
    consort_figure,
    dose_response_figure,
    dvh_figure,
    fused_slice_figure,
    km_figure,
    qol_trajectory_figure,
    swimmer_figure,
    waterfall_figure,
)

from ._output import figure_png, report_folder
from ._patient_report import PatientDosimetryReport
from ._provenance import Provenance
from ._render import html_to_pdf, render_html

__all__ = ["StudyReportPaths", "write_study_report"]

#: Scales drawn in the QoL trajectory figure.
TRAJECTORY_SCALES = ("QL2", "summary", "FA", "ED", "GI", "DRW")


@dataclass(frozen=True)
class StudyReportPaths:
    """Where the report's files are."""

    folder: Path
    html: Path
    pdf: Path | None
    figures: dict[str, Path]


def _figures(analysis: StudyAnalysis, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    made = {
        "consort": consort_figure(analysis.consort),
        "waterfall": waterfall_figure(analysis.responses),
        "swimmer": swimmer_figure(analysis.survival, analysis.responses),
        "km_pfs": km_figure([analysis.survival.pfs, analysis.survival.liver_pfs],
                            title="Progression-free survival"),
        "km_os": km_figure([analysis.survival.os], title="Overall survival"),
        "qol": qol_trajectory_figure(analysis.qol, [c for c in TRAJECTORY_SCALES
                                                    if c in analysis.qol.trajectories]),
        "bland_altman": bland_altman_figure(analysis.dosimetry.agreement),
        "dose_response": dose_response_figure(analysis.dose_response),
    }
    return {name: figure_png(fig, folder / f"{name}.png") for name, fig in made.items()}


def _example_figures(examples: Sequence[PatientDosimetryReport], folder: Path
                     ) -> list[dict[str, str]]:
    """DVH and fused-slice figures of the example patients (section 8 of the report)."""
    out: list[dict[str, str]] = []
    for index, example in enumerate(examples, start=1):
        entry = {"patient_id": example.patient_id,
                 "dvh": figure_png(dvh_figure(example.dvhs, title=f"DVHs {example.patient_id}"),
                                   folder / f"example{index}_dvh.png").name}
        if example.slices:
            piece = example.slices[0]
            entry["slice"] = figure_png(fused_slice_figure(
                piece.ct_hu, piece.overlay, pixel_mm=piece.pixel_mm,
                overlay_label=piece.overlay_label, title=f"{example.patient_id}: {piece.title}"),
                folder / f"example{index}_slice.png").name
        out.append(entry)
    return out


def write_study_report(analysis: StudyAnalysis, out_dir: str | Path, provenance: Provenance,
                       *, pdf: bool = True, examples: Sequence[PatientDosimetryReport] = ()
                       ) -> StudyReportPaths:
    """Write ``study_report.html`` (and ``study_report.pdf``) with figures under ``out_dir``.

    ``examples``: patients whose DVHs and fused SPECT/CT slice the report shows (section 8).

    The folder is built beside ``out_dir`` and moved into place when complete; an existing
    ``out_dir`` is replaced only when a previous hepar report wrote it.
    """
    target = Path(out_dir)
    with report_folder(target, kind="study report") as work:
        figures = _figures(analysis, work / "figures")
        shown = _example_figures(examples, work / "figures")
        html = render_html("study_report.html", {
            "a": analysis, "provenance": provenance, "rows": provenance.rows(),
            "figures": {k: f"figures/{p.name}" for k, p in figures.items()},
            "examples": shown,
        })
        html_path = work / "study_report.html"
        html_path.write_text(html, encoding="utf-8")
        if pdf:
            html_to_pdf(html_path, work / "study_report.pdf")
    return StudyReportPaths(
        folder=target, html=target / "study_report.html",
        pdf=target / "study_report.pdf" if pdf else None,
        figures={k: target / "figures" / p.name for k, p in figures.items()})
