"""The per-patient dosimetry report (PDF): plan, scout findings, fused SPECT/CT slices, DVHs and
the dose table (:func:`write_patient_dosimetry_report`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hepar.analysis import dvh_figure, fused_slice_figure
from hepar.dosimetry import DoseVolumeHistogram, ScoutAnalysis
from hepar.errors import InvalidValueError

from ._output import figure_png, report_folder
from ._provenance import Provenance
from ._render import html_to_pdf, render_html

__all__ = ["FusedSlice", "PatientDosimetryReport", "PatientReportPaths",
           "write_patient_dosimetry_report"]


@dataclass(frozen=True, eq=False)
class FusedSlice:
    """One axial slice to show: CT (HU) and an overlay (SPECT Bq/mL or dose Gy) on one grid."""

    title: str
    ct_hu: NDArray[np.float64]
    overlay: NDArray[np.float64]
    pixel_mm: tuple[float, float]
    overlay_label: str = "Gy"

    def __post_init__(self) -> None:
        if np.shape(self.ct_hu) != np.shape(self.overlay) or np.ndim(self.ct_hu) != 2:
            raise InvalidValueError(field=f"slices[{self.title}]",
                                    value=f"{np.shape(self.ct_hu)} and {np.shape(self.overlay)}",
                                    expected="a CT slice and an overlay of the same 2-D shape")


@dataclass(frozen=True, eq=False)
class PatientDosimetryReport:
    """What the per-patient dosimetry report shows.

    ``scout`` is the plan from the scout SPECT (activity, LSF, lung dose, VOI predictions,
    extrahepatic depositions, limit checks); ``dvhs`` the post-treatment DVHs (the dose table is
    read from them); ``administered_activity_mbq`` what was given.
    """

    patient_id: str
    protocol_label: str
    scout: ScoutAnalysis
    dvhs: Sequence[DoseVolumeHistogram]
    slices: Sequence[FusedSlice] = ()
    administered_activity_mbq: float | None = None
    treatment_date: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class PatientReportPaths:
    """Where the report's files are."""

    folder: Path
    html: Path
    pdf: Path
    figures: dict[str, Path]


def _dose_rows(dvhs: Sequence[DoseVolumeHistogram]) -> list[dict[str, float | str]]:
    rows: list[dict[str, float | str]] = []
    for dvh in dvhs:
        rows.append({"name": dvh.name, "mass_g": dvh.mass_g, "mean_gy": dvh.mean_gy,
                     "d70_gy": dvh.d_percent(70.0), "d90_gy": dvh.d_percent(90.0),
                     "v100_pct": 100.0 * dvh.v_gy(100.0), "v150_pct": 100.0 * dvh.v_gy(150.0),
                     "max_gy": dvh.max_gy})
    return rows


def write_patient_dosimetry_report(report: PatientDosimetryReport, out_dir: str | Path,
                                   provenance: Provenance) -> PatientReportPaths:
    """Write ``dosimetry_<patient>.html`` and ``.pdf`` with figures under ``out_dir``."""
    if not report.dvhs:
        raise InvalidValueError(field="dvhs", value=[], expected="at least one DVH")
    target = Path(out_dir)
    stem = f"dosimetry_{report.patient_id}"
    with report_folder(target, kind="patient dosimetry report") as work:
        figures_dir = work / "figures"
        figures_dir.mkdir()
        figures = {"dvh": figure_png(dvh_figure(report.dvhs, title="Post-treatment DVHs"),
                                     figures_dir / "dvh.png")}
        for index, piece in enumerate(report.slices):
            figures[f"slice{index + 1}"] = figure_png(
                fused_slice_figure(piece.ct_hu, piece.overlay, pixel_mm=piece.pixel_mm,
                                   overlay_label=piece.overlay_label, title=piece.title),
                figures_dir / f"slice{index + 1}.png")
        html = render_html("patient_dosimetry.html", {
            "r": report, "s": report.scout, "dose_rows": _dose_rows(report.dvhs),
            "provenance": provenance, "rows": provenance.rows(),
            "figures": {k: f"figures/{p.name}" for k, p in figures.items()},
            "slice_titles": [piece.title for piece in report.slices],
        })
        html_path = work / f"{stem}.html"
        html_path.write_text(html, encoding="utf-8")
        html_to_pdf(html_path, work / f"{stem}.pdf")
    return PatientReportPaths(target, target / f"{stem}.html", target / f"{stem}.pdf",
                              {k: target / "figures" / p.name for k, p in figures.items()})
