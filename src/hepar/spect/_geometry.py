"""Geometry of a SPECT acquisition: the reconstruction grid and each view's detector frame.

Angles follow DICOM (PS3.3 C.8.4.12): zero degrees puts the detector at the patient's back and,
seen from the feet, the angle grows counter-clockwise. For a supine, head-first patient in LPS
the unit vector from the rotation axis to the detector is :math:`\\hat n = (\\sin\\theta,
\\cos\\theta)` and the detector's columns run along :math:`\\hat c = (-\\cos\\theta,
\\sin\\theta)`; row 0 is the most superior row. The detector centre lies on the rotation axis.

The reconstruction grid has the detector's column spacing in-plane (one voxel per detector
column, centred on the rotation axis) and one slice per detector row, limited to the rows that
the CT covers. The CT must cover the field of view in all three directions (see
:data:`MAX_COUNTS_OUTSIDE_CT`); outside it the grid holds air and no activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hepar.errors import GeometryError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry

from ._projections import Projections

__all__ = ["SpectGeometry", "rotation_axis_lps_mm", "spect_geometry"]

#: Largest fraction of counts (all windows) allowed in detector pixels whose line of sight misses
#: the CT (axially: rows outside its slices; in-plane: columns outside the projection of its
#: transaxial field of view at that view's angle). A SPECT/CT acquires its CT over the SPECT's
#: bed range, so almost nothing lies outside: measured on virtual patients, whose CT covers the
#: camera's axial field of view, 0.00 % (tiny preset) and at most 0.01 % (clinical preset, whose
#: 614 mm detector is wider than the 480 mm CT). The allowance keeps a rim for a camera wider than
#: its CT (Symbia T: 53.3 cm detector, 50 cm CT) and the broad 166Ho downscatter continuum past
#: the body; a CT that stops at the torso's ends leaves 5-7 %, one missing a quarter of the liver
#: far more, and each such percent is activity the reconstruction cannot place.
MAX_COUNTS_OUTSIDE_CT = 0.02


def rotation_axis_lps_mm(projections: Projections, ct: Volume) -> tuple[tuple[float, ...], str]:
    """LPS position of the rotation axis (centre of the detector), and where it came from.

    From ``Projections.rotation_axis_lps_mm``, else ``metadata["rotation_axis_lps_mm"]``, else the
    centre of the CT (a note says so).
    """
    axis = getattr(projections, "rotation_axis_lps_mm", None)
    if axis is not None:
        return tuple(float(v) for v in axis), "projections"
    meta = projections.metadata.get("rotation_axis_lps_mm")
    if meta is not None:
        return tuple(float(v) for v in meta), "projections metadata"
    nz, ny, nx = ct.shape
    centre = ct.world_mm(((nz - 1) / 2.0, (ny - 1) / 2.0, (nx - 1) / 2.0))
    return tuple(float(v) for v in centre), "CT centre (no rotation axis recorded)"


@dataclass(frozen=True, eq=False)
class SpectGeometry:
    """The reconstruction grid and the mapping of its slices to detector rows.

    Attributes
    ----------
    grid
        Empty volume on the reconstruction grid (frame of reference of the CT).
    first_row
        Detector row of the grid's last (most superior) slice; slice ``k`` is row
        ``first_row + (n_slices - 1 - k)``.
    axis_lps_mm
        Rotation axis (x, y, z).
    """

    grid: Volume
    first_row: int
    axis_lps_mm: tuple[float, ...]
    axis_source: str

    @property
    def rows(self) -> NDArray[np.int_]:
        """Detector row of each slice."""
        nz = self.grid.shape[0]
        return np.asarray(self.first_row + (nz - 1 - np.arange(nz)), dtype=int)


def _ct_box_lps_mm(ct: Volume) -> NDArray[np.float64]:
    """The 8 corners (LPS mm) of the CT's physical extent (voxel edges, not centres)."""
    nz, ny, nx = ct.shape
    corners = np.array([[k, j, i] for k in (-0.5, nz - 0.5) for j in (-0.5, ny - 0.5)
                        for i in (-0.5, nx - 0.5)], float)
    return np.asarray(ct.world_mm(corners), float)


def spect_geometry(projections: Projections, ct: Volume) -> SpectGeometry:
    """Build the reconstruction grid of ``projections`` inside the CT ``ct``.

    Raises
    ------
    GeometryError
        If the frames of reference differ, or if more than :data:`MAX_COUNTS_OUTSIDE_CT` of
        the counts lie in detector pixels whose line of sight misses the CT (rows outside its
        axial extent, or columns outside its transaxial extent seen from that view).
    """
    if (projections.frame_of_reference_uid is not None
            and projections.frame_of_reference_uid != ct.frame_of_reference_uid):
        raise GeometryError(
            field="frame_of_reference_uid", value=projections.frame_of_reference_uid,
            expected=f"{ct.frame_of_reference_uid} (the CT's); register the SPECT to the CT",
        )
    n_rows, n_cols = projections.detector_shape
    row_mm, col_mm = projections.pixel_spacing_mm
    axis, source = rotation_axis_lps_mm(projections, ct)
    # axial position of each detector row (row 0 most superior)
    row_z = axis[2] + ((n_rows - 1) / 2.0 - np.arange(n_rows)) * row_mm
    box = _ct_box_lps_mm(ct)
    z_lo, z_hi = float(box[:, 2].min()), float(box[:, 2].max())
    inside = (row_z >= z_lo - 1e-6) & (row_z <= z_hi + 1e-6)
    # in-plane: column j lies at u = (j - (n - 1) / 2) * col_mm along c = (-cos, sin); it sees
    # the CT when u is within the CT's transaxial box projected on c
    theta = np.deg2rad(np.asarray(projections.angles_deg, float))
    c = np.stack([-np.cos(theta), np.sin(theta)], axis=1)  # (view, 2)
    u_box = c @ (box[:, :2] - np.asarray(axis[:2], float)).T  # (view, corner)
    u = ((np.arange(n_cols) - (n_cols - 1) / 2.0) * col_mm)[None, :]
    seen = (u >= u_box.min(axis=1, keepdims=True) - 1e-6) & (
        u <= u_box.max(axis=1, keepdims=True) + 1e-6)  # (view, column)
    counts = np.asarray(projections.counts, dtype=np.float64).sum(axis=0)  # (view, row, col)
    total = float(counts.sum())
    covered = float(np.einsum("vrc,r,vc->", counts, inside.astype(float), seen.astype(float)))
    outside = 1.0 - covered / total if total > 0 else 0.0
    if not inside.any() or not seen.any() or outside > MAX_COUNTS_OUTSIDE_CT:
        x_lo, x_hi = float(box[:, 0].min()), float(box[:, 0].max())
        y_lo, y_hi = float(box[:, 1].min()), float(box[:, 1].max())
        raise GeometryError(
            field="ct", value=f"x {x_lo:.1f} to {x_hi:.1f}, y {y_lo:.1f} to {y_hi:.1f}, "
            f"z {z_lo:.1f} to {z_hi:.1f} mm",
            expected=f"a CT covering the SPECT field of view ({100 * outside:.1f} % of counts "
            "lie in detector pixels whose line of sight misses it; at most "
            f"{100 * MAX_COUNTS_OUTSIDE_CT:.0f} %)",
        )
    rows = np.nonzero(inside)[0]
    first, last = int(rows.min()), int(rows.max())
    nz = last - first + 1
    half = (n_cols - 1) / 2.0 * col_mm
    origin = (axis[0] - half, axis[1] - half, float(row_z[last]))
    affine = affine_from_geometry(origin_lps_mm=origin, spacing_mm=(row_mm, col_mm, col_mm))
    grid = Volume(np.zeros((nz, n_cols, n_cols), np.float32), affine, VolumeUnit.FRACTION,
                  ct.frame_of_reference_uid)
    return SpectGeometry(grid, first, axis, source)
