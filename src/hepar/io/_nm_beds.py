"""Stitch a multi-bed SPECT acquisition (one NM TOMO file per bed position) into one.

Cameras write each bed position of a two-bed SPECT as its own series (Siemens and GE alike),
with the same orbit, windows and frame time and the table moved between them. The beds are put
on one longer detector: bed ``b``'s rows start ``(z_top(0) - z_top(b)) / row spacing`` rows
below the most superior bed's first row, where ``z_top`` is the patient z of the first row of
detector 1 (DetectorInformationSequence ImagePositionPatient, PS3.3 C.8.4.11; rows must run
from superior to inferior, ImageOrientationPatient column direction (0, 0, -1)).

Counts of a later bed are decay-corrected to the start of the first bed acquired,
``N_b e^{\\lambda (t_b - t_0)}``, so the stitched projections have one acquisition start. Where
beds overlap, each pixel is the mean of the beds that saw it; a bed's rows outside its
detector's field of view (FieldOfViewDimensions) count as not seen, and
:func:`crop_to_field_of_view` drops what no bed saw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hepar.errors import GeometryError, InvalidValueError
from hepar.physics import S_PER_H, nuclide
from hepar.spect import Projections

from ._nm_projections_read import read_nm_projections

__all__ = ["crop_to_field_of_view", "read_nm_projection_beds", "stitch_beds"]

#: A bed offset must be a whole number of detector rows within this fraction of a row.
ROW_TOLERANCE = 0.01
_ANGLE_TOLERANCE_DEG = 1e-3


def _top_z_mm(bed: Projections, index: int) -> float:
    entries = bed.metadata.get("detector_geometry") or []
    first = next((e for e in entries if e.get("detector") == 1), None)
    source = bed.metadata.get("source", f"bed {index + 1}")
    if first is None:
        raise GeometryError(
            field="DetectorInformationSequence[1].ImagePositionPatient", value=None,
            source=source,
            expected="the patient position of detector 1's first frame, to place the bed",
        )
    column = np.asarray(first["image_orientation_patient"][3:], dtype=float)
    if not np.allclose(column, (0.0, 0.0, -1.0), atol=1e-6):
        raise GeometryError(
            field="DetectorInformationSequence[1].ImageOrientationPatient",
            value=first["image_orientation_patient"], source=source,
            expected="rows running from superior to inferior (column direction 0, 0, -1)",
        )
    return float(first["image_position_patient"][2])


def _row_weights(bed: Projections) -> np.ndarray:
    """1 for the rows inside the detector's axial field of view, 0 outside."""
    rows = bed.detector_shape[0]
    weights = np.ones(rows)
    fov = bed.metadata.get("field_of_view")
    if fov and fov.get("shape") == "RECTANGLE" and len(fov.get("dimensions_mm", [])) == 2:
        half = fov["dimensions_mm"][1] / 2.0
        centre = (np.arange(rows) - (rows - 1) / 2.0) * bed.pixel_spacing_mm[0]
        weights[np.abs(centre) > half + 1e-6] = 0.0
    return weights


def _check_same(beds: Sequence[Projections]) -> None:
    first = beds[0]
    for number, bed in enumerate(beds[1:], start=2):
        checks = {
            "windows": ([(w.name, round(w.lower_kev, 3), round(w.upper_kev, 3))
                         for w in bed.windows],
                        [(w.name, round(w.lower_kev, 3), round(w.upper_kev, 3))
                         for w in first.windows]),
            "pixel_spacing_mm": (bed.pixel_spacing_mm, first.pixel_spacing_mm),
            "detector columns": (bed.detector_shape[1], first.detector_shape[1]),
            "detector_of_view": (bed.detector_of_view.tolist(), first.detector_of_view.tolist()),
            "frame_duration_s": (bed.frame_duration_s, first.frame_duration_s),
            "isotope": (bed.isotope, first.isotope),
            "frame_of_reference_uid": (bed.frame_of_reference_uid, first.frame_of_reference_uid),
        }
        for name, (value, expected) in checks.items():
            if value != expected:
                raise InvalidValueError(
                    field=f"bed {number} {name}", value=value,
                    source=bed.metadata.get("source"),
                    expected=f"the same as bed 1 ({expected}): beds of one acquisition",
                )
        difference = (bed.angles_deg - first.angles_deg + 180.0) % 360.0 - 180.0
        if np.abs(difference).max() > _ANGLE_TOLERANCE_DEG:
            raise InvalidValueError(
                field=f"bed {number} angles_deg", value=np.round(bed.angles_deg, 3).tolist(),
                source=bed.metadata.get("source"), expected="the same orbit as bed 1",
            )


def stitch_beds(beds: Sequence[Projections]) -> Projections:
    """One acquisition from the bed positions of a multi-bed SPECT (see the module docstring).

    Parameters
    ----------
    beds
        The projections of each bed, in any order, each with ``metadata["detector_geometry"]``.

    Returns
    -------
    Projections
        Rows from the most superior bed's first row down; acquisition start of the first bed
        acquired; ``metadata["beds"]`` lists each bed's ``source``, ``first_row``,
        ``acquisition_start``, ``decay_correction`` and ``radius_mm``; ``radius_mm`` is the
        beds' mean per view.

    Raises
    ------
    InvalidValueError
        Beds that differ in windows, orbit, pixel size, frame time, isotope or frame of
        reference; fewer than two beds; beds without an isotope.
    GeometryError
        A bed without detector position, rows not superior to inferior, or an offset that is
        not a whole number of rows.
    """
    if len(beds) < 2:
        return beds[0] if beds else _no_beds()
    _check_same(beds)
    tops = [_top_z_mm(bed, index) for index, bed in enumerate(beds)]
    order = np.argsort(tops)[::-1]
    row_mm = beds[0].pixel_spacing_mm[0]
    offsets = {}
    for index in order:
        shift = (tops[order[0]] - tops[index]) / row_mm
        if abs(shift - round(shift)) > ROW_TOLERANCE:
            raise GeometryError(
                field="bed offset (rows)", value=round(shift, 4),
                source=beds[index].metadata.get("source"),
                expected="a whole number of detector rows between bed positions",
            )
        offsets[int(index)] = round(shift)
    if beds[0].isotope is None:
        raise InvalidValueError(field="isotope", value=None,
                                expected="the radionuclide, to decay-correct later beds")
    lam_per_s = math.log(2.0) / (nuclide(beds[0].isotope).half_life_h * S_PER_H)
    t0 = min(bed.acquisition_start for bed in beds)
    n_rows = max(offsets[i] + bed.detector_shape[0] for i, bed in enumerate(beds))
    n_windows, n_views, _, n_cols = beds[0].counts.shape
    total = np.zeros((n_windows, n_views, n_rows, n_cols))
    weight = np.zeros(n_rows)
    records: list[dict[str, Any]] = []
    for index in order:
        bed = beds[int(index)]
        first = offsets[int(index)]
        rows = bed.detector_shape[0]
        seen = _row_weights(bed)
        correction = math.exp(lam_per_s * (bed.acquisition_start - t0).total_seconds())
        total[:, :, first:first + rows] += (np.asarray(bed.counts, dtype=float) * correction
                                            * seen[None, None, :, None])
        weight[first:first + rows] += seen
        records.append({
            "source": bed.metadata.get("source"), "first_row": first,
            "acquisition_start": bed.acquisition_start.isoformat(),
            "decay_correction": correction,
            "radius_mm": None if bed.radius_mm is None else bed.radius_mm.tolist(),
        })
    counts = np.divide(total, weight[None, None, :, None], out=np.zeros_like(total),
                       where=weight[None, None, :, None] > 0)
    radii = [bed.radius_mm for bed in beds if bed.radius_mm is not None]
    top = beds[int(order[0])]
    metadata = {key: value for key, value in top.metadata.items() if key != "field_of_view"}
    axis = top.metadata.get("rotation_axis_lps_mm")
    if axis is not None:  # the stitched detector's centre row lies lower than the top bed's
        shift_mm = (n_rows - top.detector_shape[0]) / 2.0 * row_mm
        metadata["rotation_axis_lps_mm"] = [axis[0], axis[1], round(axis[2] - shift_mm, 4)]
    metadata.update(
        beds=records, source=[bed.metadata.get("source") for bed in beds],
        covered_rows=np.flatnonzero(weight > 0).tolist(),
        warnings=[w for bed in beds for w in bed.metadata.get("warnings", [])],
    )
    return Projections(
        counts=counts, angles_deg=top.angles_deg, detector_of_view=top.detector_of_view,
        windows=top.windows, pixel_spacing_mm=top.pixel_spacing_mm, acquisition_start=t0,
        frame_duration_s=top.frame_duration_s,
        radius_mm=np.mean(radii, axis=0) if len(radii) == len(beds) else None,
        isotope=top.isotope, frame_of_reference_uid=top.frame_of_reference_uid,
        metadata=metadata,
    )


def _kept(n_pixels: int, pixel_mm: float, extent_mm: float) -> int:
    """Pixels dropped at each side: those wholly outside a centred extent."""
    return max(0, math.floor((n_pixels * pixel_mm - extent_mm) / (2.0 * pixel_mm) + 1e-6))


def crop_to_field_of_view(projections: Projections) -> Projections:
    """Drop the detector rows and columns that lie wholly outside the detector's field of view.

    A camera's matrix is square while its crystal is not (Siemens Symbia: 533 x 387 mm,
    FieldOfViewDimensions); the pixels beyond the crystal hold no data, and a reconstruction
    that took their zeros for measurements would pull the activity at the axial edges down.
    The field of view is taken centred on the matrix (FieldOfViewShape RECTANGLE, dimensions
    along a row then along a column; PS3.3 C.8.4.11), so the crop is symmetric and the
    detector centre stays on the rotation axis. Rows that a multi-bed stitching left unseen
    (``metadata["covered_rows"]``) are dropped too, and ``rotation_axis_lps_mm`` follows the
    detector's new centre row; ``detector_geometry`` follows the new first pixel.
    """
    rows, columns = projections.detector_shape
    row_mm, col_mm = projections.pixel_spacing_mm
    fov = projections.metadata.get("field_of_view") or {}
    r0, r1, c0, c1 = 0, rows, 0, columns
    if fov.get("shape") == "RECTANGLE" and len(fov.get("dimensions_mm", [])) == 2:
        width, height = fov["dimensions_mm"]
        drop_c, drop_r = _kept(columns, col_mm, width), _kept(rows, row_mm, height)
        r0, r1, c0, c1 = drop_r, rows - drop_r, drop_c, columns - drop_c
    covered = projections.metadata.get("covered_rows")
    if covered:
        r0, r1 = max(r0, min(covered)), min(r1, max(covered) + 1)
    if (r0, r1, c0, c1) == (0, rows, 0, columns):
        return projections
    metadata = dict(projections.metadata)
    metadata["cropped_to_field_of_view"] = {"rows": [r0, r1 - 1], "columns": [c0, c1 - 1]}
    geometry = []
    for entry in projections.metadata.get("detector_geometry") or []:
        orientation = np.asarray(entry["image_orientation_patient"], dtype=float)
        position = (np.asarray(entry["image_position_patient"], dtype=float)
                    + c0 * col_mm * orientation[:3] + r0 * row_mm * orientation[3:])
        geometry.append({**entry, "image_position_patient": [round(float(v), 4)
                                                             for v in position]})
    if geometry:
        metadata["detector_geometry"] = geometry
    axis = projections.metadata.get("rotation_axis_lps_mm")
    if axis is not None:
        shift_mm = ((r0 + r1 - 1) / 2.0 - (rows - 1) / 2.0) * row_mm
        metadata["rotation_axis_lps_mm"] = [axis[0], axis[1], round(axis[2] - shift_mm, 4)]
    metadata.pop("covered_rows", None)
    return Projections(
        counts=np.asarray(projections.counts)[:, :, r0:r1, c0:c1],
        angles_deg=projections.angles_deg, detector_of_view=projections.detector_of_view,
        windows=projections.windows, pixel_spacing_mm=projections.pixel_spacing_mm,
        acquisition_start=projections.acquisition_start,
        frame_duration_s=projections.frame_duration_s, radius_mm=projections.radius_mm,
        isotope=projections.isotope, frame_of_reference_uid=projections.frame_of_reference_uid,
        metadata=metadata,
    )


def _no_beds() -> Projections:
    raise InvalidValueError(field="beds", value=[], expected="at least one bed position")


def read_nm_projection_beds(paths: Sequence[str | Path], *, crop: bool = True) -> Projections:
    """Read one NM TOMO file, or the bed positions of a multi-bed SPECT and stitch them; with
    ``crop``, keep only the detector's field of view (:func:`crop_to_field_of_view`)."""
    beds = [read_nm_projections(path) for path in paths]
    stitched = stitch_beds(beds)
    return crop_to_field_of_view(stitched) if crop else stitched
