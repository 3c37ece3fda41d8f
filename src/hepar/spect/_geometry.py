"""Geometry of a SPECT acquisition: the reconstruction grid and each view's detector frame.

Angles follow DICOM (PS3.3 C.8.4.12): zero degrees puts the detector at the patient's back and,
seen from the feet, the angle grows counter-clockwise. For a supine, head-first patient in LPS
the unit vector from the rotation axis to the detector is :math:`\\hat n = (\\sin\\theta,
\\cos\\theta)` and the detector's columns run along :math:`\\hat c = (-\\cos\\theta,
\\sin\\theta)`; row 0 is the most superior row. The detector centre lies on the rotation axis.

The reconstruction grid has the detector's column spacing in-plane (one voxel per detector
column, centred on the rotation axis) and one slice per detector row, limited to the rows that
the CT covers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hepar.errors import GeometryError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry

from ._projections import Projections

__all__ = ["SpectGeometry", "rotation_axis_lps_mm", "spect_geometry"]

#: Largest fraction of counts (all windows) allowed in detector rows that the CT does not cover.
#: Not zero: the broad 166Ho downscatter/bremsstrahlung continuum reaches far past the body (a CT
#: covering a whole virtual patient of the tiny preset still leaves 5-7 % of all counts in rows
#: beyond it), while a CT missing a quarter of the liver leaves far more than 10 %.
MAX_COUNTS_OUTSIDE_CT = 0.10


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


def spect_geometry(projections: Projections, ct: Volume) -> SpectGeometry:
    """Build the reconstruction grid of ``projections`` inside the CT ``ct``.

    Raises
    ------
    GeometryError
        If the frames of reference differ, or if more than 10 % of the counts lie in detector
        rows outside the CT's axial extent.
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
    corners = np.array([[k, j, i] for k in (0, ct.shape[0] - 1) for j in (0, ct.shape[1] - 1)
                        for i in (0, ct.shape[2] - 1)], float)
    ct_z = ct.world_mm(corners)[:, 2]
    half_slice = float(np.linalg.norm(ct.affine[:3, 0])) / 2.0  # the CT's physical extent
    z_lo, z_hi = float(ct_z.min()) - half_slice, float(ct_z.max()) + half_slice
    inside = (row_z >= z_lo - 1e-6) & (row_z <= z_hi + 1e-6)
    per_row = np.asarray(projections.counts, dtype=np.float64).sum(axis=(0, 1, 3))
    total = float(per_row.sum())
    outside = float(per_row[~inside].sum()) / total if total > 0 else 0.0
    if not inside.any() or outside > MAX_COUNTS_OUTSIDE_CT:
        raise GeometryError(
            field="ct", value=f"z {z_lo:.1f} to {z_hi:.1f} mm",
            expected=f"a CT covering the SPECT field of view ({100 * outside:.1f} % of counts "
            f"lie in detector rows outside it; at most {100 * MAX_COUNTS_OUTSIDE_CT:.0f} %)",
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
