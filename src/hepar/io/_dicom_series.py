"""A folder of single-frame DICOM slices -> one sorted, checked stack with its affine.

The checks that keep a wrong geometry from reaching the science: one series per folder (or the
one chosen), one orientation, slices stacked along the normal of ImageOrientationPatient (no
gantry tilt), no duplicated or missing slice, even spacing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset

from hepar.errors import DicomFormatError, GeometryError
from hepar.imaging import affine_from_geometry

from ._dicom_common import ORIENTATION_TOLERANCE, Notes, orientation_from_iop, read_dataset

__all__ = [
    "IN_PLANE_TOLERANCE_MM",
    "SLICE_GAP_ABSOLUTE_TOLERANCE_MM",
    "SLICE_GAP_RELATIVE_TOLERANCE",
    "SliceStack",
    "dicom_files",
    "scan_series",
]

#: A slice gap may differ from the median gap by this much (mm) or by the relative amount below,
#: whichever is larger, before the spacing is called uneven. Scanners write positions to 1e-3 mm
#: or better, so real gaps agree far more closely than this.
SLICE_GAP_ABSOLUTE_TOLERANCE_MM = 0.01
SLICE_GAP_RELATIVE_TOLERANCE = 1e-3
#: Largest sideways offset of a slice from the normal through the first slice, in mm, plus 1e-3 of
#: the distance along the normal (0.06 degree of tilt, as for ``Volume`` orthogonality).
IN_PLANE_TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class SliceStack:
    """The slices of one series, sorted along the slice normal, with their geometry."""

    folder: Path
    paths: tuple[Path, ...]
    datasets: tuple[Dataset, ...]
    affine: NDArray[np.float64]
    series_instance_uid: str
    notes: Notes

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(slices, rows, columns)``."""
        first = self.datasets[0]
        return (len(self.datasets), int(first.Rows), int(first.Columns))


def dicom_files(folder: str | Path) -> list[Path]:
    """Regular, non-hidden files of ``folder`` in name order; error if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DicomFormatError(
            field="folder", value=str(folder), expected="an existing folder of DICOM files",
            source=str(folder),
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise DicomFormatError(
            field="folder", value="empty", expected="at least one DICOM file", source=str(folder)
        )
    return files


def _group_by_series(
    folder: Path, files: list[Path], stop_before_pixels: bool
) -> dict[str, list[tuple[Path, Dataset]]]:
    groups: dict[str, list[tuple[Path, Dataset]]] = defaultdict(list)
    for path in files:
        dataset = read_dataset(path, stop_before_pixels=stop_before_pixels)
        uid = str(dataset.get("SeriesInstanceUID", "") or "")
        if not uid:
            raise DicomFormatError(
                field="SeriesInstanceUID", value=None, expected="a series UID in every file",
                source=str(path),
            )
        groups[uid].append((path, dataset))
    return groups


def _choose_series(
    folder: Path, groups: dict[str, list[tuple[Path, Dataset]]], series_uid: str | None
) -> tuple[str, list[tuple[Path, Dataset]]]:
    if series_uid is not None:
        if series_uid not in groups:
            raise DicomFormatError(
                field="series_uid", value=series_uid,
                expected=f"one of the series in the folder: {sorted(groups)}", source=str(folder),
            )
        return series_uid, groups[series_uid]
    if len(groups) > 1:
        found = ", ".join(f"{uid} ({len(items)} files)" for uid, items in sorted(groups.items()))
        raise DicomFormatError(
            field="SeriesInstanceUID", value=f"{len(groups)} series: {found}",
            expected="one series per folder; choose one with series_uid= (hepar info --series)",
            source=str(folder),
        )
    (uid, items), = groups.items()
    return uid, items


def _numbers(value: object) -> list[float] | None:
    try:
        return [float(v) for v in value]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None


def _check_same_numbers(
    items: list[tuple[Path, Dataset]], keyword: str, reference: object, tolerance: float
) -> None:
    expected = _numbers(reference)
    for path, dataset in items:
        found = _numbers(dataset.get(keyword))
        if (
            expected is None or found is None or len(found) != len(expected)
            or not np.allclose(found, expected, atol=tolerance, rtol=0)
        ):
            raise GeometryError(
                field=keyword, value=found,
                expected=f"{expected} as in the other slices of the series", source=str(path),
            )


def _check_same_value(items: list[tuple[Path, Dataset]], keyword: str, reference: object) -> None:
    for path, dataset in items:
        if dataset.get(keyword) != reference:
            raise GeometryError(
                field=keyword, value=dataset.get(keyword),
                expected=f"{reference} as in the other slices of the series", source=str(path),
            )


def _slice_spacing(
    positions_mm: NDArray[np.float64], paths: list[Path], first: Dataset, notes: Notes
) -> float:
    if len(positions_mm) == 1:
        for keyword in ("SpacingBetweenSlices", "SliceThickness"):
            value = first.get(keyword)
            if value not in (None, "") and float(value) > 0:
                return float(value)
        notes.warn("single slice without SliceThickness; 1 mm slice spacing assumed")
        return 1.0
    gaps = np.diff(positions_mm)
    for number, gap in enumerate(gaps):
        if gap < SLICE_GAP_ABSOLUTE_TOLERANCE_MM:
            raise DicomFormatError(
                field="ImagePositionPatient",
                value=f"{positions_mm[number]:.3f} mm along the normal",
                expected=f"one slice per position; {paths[number].name} and "
                f"{paths[number + 1].name} are at the same place",
                source=str(paths[number + 1]),
            )
    median = float(np.median(gaps))
    tolerance = max(SLICE_GAP_ABSOLUTE_TOLERANCE_MM, SLICE_GAP_RELATIVE_TOLERANCE * median)
    for number, gap in enumerate(gaps):
        if abs(gap - median) <= tolerance:
            continue
        before, after = paths[number].name, paths[number + 1].name
        ratio = round(gap / median)
        if ratio >= 2 and abs(gap - ratio * median) <= tolerance * ratio:
            raise DicomFormatError(
                field="ImagePositionPatient", value=f"gap of {gap:.3f} mm",
                expected=f"a slice every {median:.3f} mm (the median gap): {ratio - 1} slice(s) "
                f"missing between {before} and {after}",
                source=str(paths[number + 1]),
            )
        raise GeometryError(
            field="ImagePositionPatient", value=f"gap of {gap:.3f} mm between {before} and {after}",
            expected=f"evenly spaced slices ({median:.3f} mm, the median gap, "
            f"within {tolerance:.3f} mm)",
            source=str(paths[number + 1]),
        )
    return float((positions_mm[-1] - positions_mm[0]) / (len(positions_mm) - 1))


def scan_series(
    folder: str | Path,
    *,
    series_uid: str | None = None,
    stop_before_pixels: bool = False,
) -> SliceStack:
    """Read, choose, sort and check the slices of one series in ``folder``.

    Parameters
    ----------
    folder
        A folder holding the files of one series (or several: then ``series_uid`` picks one).
    series_uid
        SeriesInstanceUID of the series to read when the folder holds more than one.
    stop_before_pixels
        Read headers only (for describing a series).

    Raises
    ------
    DicomFormatError
        Empty folder, a file that is not DICOM, two series without ``series_uid``, a multi-frame
        file, a missing or duplicated slice.
    GeometryError
        Different orientations or pixel grids, gantry tilt (slices not stacked along the normal),
        uneven spacing.
    """
    folder = Path(folder)
    notes = Notes(folder)
    groups = _group_by_series(folder, dicom_files(folder), stop_before_pixels)
    uid, items = _choose_series(folder, groups, series_uid)
    for path, dataset in items:
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
        if frames > 1:
            raise DicomFormatError(
                field="NumberOfFrames", value=frames,
                expected="single-frame slices in a series folder (read a multi-frame file "
                "on its own)", source=str(path),
            )
    first_path, first = items[0]
    row, col = orientation_from_iop(first.get("ImageOrientationPatient"), source=str(first_path))
    pixel_spacing = _numbers(first.get("PixelSpacing"))
    if pixel_spacing is None or len(pixel_spacing) != 2 or min(pixel_spacing) <= 0:
        raise DicomFormatError(
            field="PixelSpacing", value=first.get("PixelSpacing"),
            expected="two positive spacings (mm)", source=str(first_path),
        )
    _check_same_numbers(items, "ImageOrientationPatient", first.ImageOrientationPatient,
                        ORIENTATION_TOLERANCE)
    _check_same_numbers(items, "PixelSpacing", first.get("PixelSpacing"), 1e-4)
    _check_same_value(items, "Rows", first.get("Rows"))
    _check_same_value(items, "Columns", first.get("Columns"))
    normal = np.cross(row, col)
    positions = []
    for path, dataset in items:
        ipp = dataset.get("ImagePositionPatient")
        if ipp is None or len(ipp) != 3:
            raise DicomFormatError(
                field="ImagePositionPatient", value=None if ipp is None else list(ipp),
                expected="the x, y, z position of the slice (mm)", source=str(path),
            )
        positions.append([float(v) for v in ipp])
    points = np.asarray(positions)
    along = points @ normal
    order = np.argsort(along, kind="stable")
    points, along = points[order], along[order]
    sorted_items = [items[i] for i in order]
    paths = [p for p, _ in sorted_items]
    sideways = (points - points[0]) - np.outer(along - along[0], normal)
    offset = np.linalg.norm(sideways, axis=1)
    allowed = IN_PLANE_TOLERANCE_MM + 1e-3 * np.abs(along - along[0])
    tilt = float(first.get("GantryDetectorTilt", 0) or 0)
    if np.any(offset > allowed):
        worst = int(np.argmax(offset - allowed))
        if tilt:
            raise GeometryError(
                field="GantryDetectorTilt", value=tilt,
                expected="0 degrees: slices stacked along the normal of ImageOrientationPatient; "
                "resample the tilted series first", source=str(paths[worst]),
            )
        raise GeometryError(
            field="ImagePositionPatient", value=f"{offset[worst]:.3f} mm off the slice normal",
            expected="slices stacked along the normal of ImageOrientationPatient (no gantry tilt, "
            "no shear); resample the series first", source=str(paths[worst]),
        )
    if tilt:
        notes.warn(f"GantryDetectorTilt = {tilt} but the slices are orthogonal; accepted")
    spacing_z = _slice_spacing(along, paths, first, notes)
    affine = affine_from_geometry(
        origin_lps_mm=points[0],
        spacing_mm=(spacing_z, pixel_spacing[0], pixel_spacing[1]),
        row_direction=row, column_direction=col, slice_direction=normal,
    )
    return SliceStack(
        folder=folder, paths=tuple(paths), datasets=tuple(d for _, d in sorted_items),
        affine=affine, series_instance_uid=uid, notes=notes,
    )
