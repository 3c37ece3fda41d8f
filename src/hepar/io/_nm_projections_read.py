"""Read a DICOM NM TOMO multi-frame file (a gamma camera's SPECT acquisition) into
:class:`~hepar.spect.Projections`.

Frames are placed by their indexing vectors (PS3.3 C.8.4.8: EnergyWindowVector, DetectorVector,
RotationVector, AngularViewVector, whatever their order in the file); views are numbered detector
by detector, rotation by rotation. The angle of view *v* (1-based) of detector *d* in rotation
*r* is (PS3.3 C.8.4.12 and C.8.4.11)::

    angle = start(d, r) + s * (v - 1) * AngularStep(r)      (mod 360)

with ``s = +1`` for RotationDirection CC (increasing angle) and ``-1`` for CW, and
``start(d, r)`` the detector's StartAngle (DetectorInformationSequence) shifted by the rotation's
StartAngle for later rotations. Reading is lenient: what can be handled is noted as a
:class:`~hepar.errors.HeparWarning` and recorded in ``metadata["warnings"]``; what would give
wrong numbers (missing angles, frame durations, spacing) raises
:class:`~hepar.errors.DicomFormatError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset

from hepar.errors import DicomFormatError, GeometryError
from hepar.physics import MS_PER_S
from hepar.spect import Projections

from ._dicom_common import Notes, orientation_from_iop, read_dataset, reading
from ._nm_common import (
    item_number,
    nm_frames,
    nm_image_type,
    read_energy_windows,
    read_isotope,
    read_spacing_and_start,
    sequence_item,
)

__all__ = ["read_nm_projections"]

_VECTORS = ("EnergyWindowVector", "DetectorVector", "RotationVector", "AngularViewVector")


def _index_vectors(dataset: Dataset, n_frames: int, source: str) -> dict[str, NDArray[np.int_]]:
    pointer = dataset.get("FrameIncrementPointer")
    pointed: set[str] = set()
    if pointer is not None:
        tags = pointer if isinstance(pointer, Sequence) and not isinstance(pointer, str) else [
            pointer]
        pointed = {keyword_for_tag(tag) for tag in tags}
    vectors = {}
    for keyword in _VECTORS:
        values = dataset.get(keyword)
        if values is None or values == "":
            if keyword in pointed:
                raise DicomFormatError(
                    field=keyword, value=None,
                    expected="the vector named by FrameIncrementPointer", source=source,
                )
            vectors[keyword] = np.ones(n_frames, dtype=int)
            continue
        vector = np.atleast_1d(np.asarray(values, dtype=int))
        if vector.shape != (n_frames,) or vector.min() < 1:
            raise DicomFormatError(
                field=keyword, value=f"{vector.size} values from {vector.min()}",
                expected=f"one index from 1 per frame ({n_frames} frames)", source=source,
            )
        vectors[keyword] = vector
    return vectors


def _detector_starts(dataset: Dataset, n_detectors: int, notes: Notes) -> list[float] | None:
    items = dataset.get("DetectorInformationSequence") or []
    starts = [item.get("StartAngle") for item in items[:n_detectors]]
    if len(starts) == n_detectors and all(s not in (None, "") for s in starts):
        return [float(s) for s in starts]
    if n_detectors > 1:
        notes.warn("DetectorInformationSequence has no StartAngle per detector; detectors "
                   f"assumed {360 / n_detectors:g} degrees apart")
    return None


def _angles(
    dataset: Dataset, keys: NDArray[np.int_], n_detectors: int, notes: Notes, source: str
) -> NDArray[np.float64]:
    """Angle of each view; ``keys`` holds (detector, rotation, view) per view, 1-based."""
    detector_starts = _detector_starts(dataset, n_detectors, notes)
    rotations = dataset.get("RotationInformationSequence") or []
    angles = np.empty(len(keys))
    for number, (detector, rotation, view) in enumerate(keys):
        item = sequence_item(dataset, "RotationInformationSequence", int(rotation), source)
        where = f"RotationInformationSequence[{rotation}]"
        step = item_number(item, "AngularStep", where, source)
        direction = str(item.get("RotationDirection", "")).strip().upper()
        if direction not in ("CW", "CC"):
            raise DicomFormatError(field=f"{where}.RotationDirection", value=direction or None,
                                   expected="'CW' or 'CC'", source=source)
        if detector_starts is not None and len(rotations) == 1:
            start = detector_starts[detector - 1]
        else:
            rotation_start = item_number(item, "StartAngle", where, source)
            offset = (detector_starts[detector - 1] - detector_starts[0]
                      if detector_starts is not None else (detector - 1) * 360.0 / n_detectors)
            start = rotation_start + offset
        sign = 1.0 if direction == "CC" else -1.0
        angles[number] = (start + sign * (view - 1) * step) % 360.0
    return angles


def _frame_duration_s(dataset: Dataset, rotations: set[int], notes: Notes, source: str) -> float:
    durations = set()
    for rotation in sorted(rotations):
        item = sequence_item(dataset, "RotationInformationSequence", rotation, source)
        value = item.get("ActualFrameDuration")
        if value not in (None, ""):
            durations.add(float(value))
    if not durations and dataset.get("ActualFrameDuration") not in (None, ""):
        notes.warn("RotationInformationSequence has no ActualFrameDuration; the image's used")
        durations.add(float(dataset.ActualFrameDuration))
    if len(durations) != 1:
        raise DicomFormatError(
            field="RotationInformationSequence.ActualFrameDuration",
            value=sorted(durations) or None,
            expected="one frame duration (ms) for all rotations", source=source,
        )
    return durations.pop() / MS_PER_S


def _radius(
    dataset: Dataset, keys: NDArray[np.int_], notes: Notes
) -> NDArray[np.float64] | None:
    detectors = dataset.get("DetectorInformationSequence") or []
    radius = np.full(len(keys), np.nan)
    for detector in sorted({int(k) for k in keys[:, 0]}):
        views = np.flatnonzero(keys[:, 0] == detector)
        values = (detectors[detector - 1].get("RadialPosition")
                  if detector <= len(detectors) else None)
        if values in (None, ""):
            continue
        values = np.atleast_1d(np.asarray(values, dtype=float))
        if values.size == 1 or values.size == views.size:
            radius[views] = values if values.size == views.size else values[0]
        else:
            notes.warn(f"DetectorInformationSequence[{detector}].RadialPosition has "
                       f"{values.size} values for {views.size} views; their mean used")
            radius[views] = values.mean()
    if np.isnan(radius).all():
        return None
    if np.isnan(radius).any():
        notes.warn("RadialPosition missing for some detectors; radius_mm left unknown")
        return None
    return radius


def _detector_geometry(
    dataset: Dataset, n_detectors: int, notes: Notes, source: str
) -> list[dict[str, Any]]:
    """Each detector's first-frame ImagePositionPatient and ImageOrientationPatient from
    DetectorInformationSequence (PS3.3 C.8.4.11), where present and valid (else noted)."""
    geometry = []
    detectors = dataset.get("DetectorInformationSequence") or []
    for number, item in enumerate(detectors[:n_detectors], start=1):
        position, orientation = item.get("ImagePositionPatient"), item.get(
            "ImageOrientationPatient")
        if not position and not orientation:
            continue
        where = f"DetectorInformationSequence[{number}]"
        try:
            row, col = orientation_from_iop(orientation or None, source=source,
                                            field=f"{where}.ImageOrientationPatient")
        except GeometryError as error:
            notes.warn(f"{error.field} = {error.value}: not two orthogonal unit vectors; "
                       "detector geometry not read")
            continue
        if not position or len(position) != 3:
            notes.warn(f"{where}.ImagePositionPatient = {position}: not x, y, z; detector "
                       "geometry not read")
            continue
        geometry.append({
            "detector": number,
            "image_position_patient": [float(v) for v in position],
            "image_orientation_patient": [float(v) for v in (*row, *col)],
        })
    return geometry


def _check_header_counts(dataset: Dataset, keys: NDArray[np.int_], n_windows: int,
                         source: str) -> None:
    """The numbers the header states agree with the frames the vectors index (a file whose
    NumberOfFramesInRotation or NumberOfDetectors disagrees with its frames is not guessed at)."""
    stated = {
        "NumberOfEnergyWindows": n_windows,
        "NumberOfDetectors": int(keys[:, 0].max()),
        "NumberOfRotations": int(keys[:, 1].max()),
    }
    for keyword, found in stated.items():
        value = dataset.get(keyword)
        if value not in (None, "") and int(value) != found:
            raise DicomFormatError(field=keyword, value=int(value),
                                   expected=f"{found}, as the frames' vectors index them",
                                   source=source)
    for number, item in enumerate(dataset.get("RotationInformationSequence") or [], start=1):
        value = item.get("NumberOfFramesInRotation")
        views = keys[keys[:, 1] == number]
        if value in (None, "") or not len(views):
            continue
        per_detector = {int((views[:, 0] == d).sum()) for d in np.unique(views[:, 0])}
        if per_detector != {int(value)}:
            raise DicomFormatError(
                field=f"RotationInformationSequence[{number}].NumberOfFramesInRotation",
                value=int(value),
                expected=f"the views per detector the frames hold ({sorted(per_detector)})",
                source=source,
            )


def _field_of_view(dataset: Dataset, notes: Notes) -> dict[str, Any] | None:
    """FieldOfViewShape and FieldOfViewDimensions (mm) of detector 1 (PS3.3 C.8.4.11): the
    part of the detector matrix that holds data."""
    detectors = dataset.get("DetectorInformationSequence") or []
    if not detectors:
        return None
    item = detectors[0]
    shape = str(item.get("FieldOfViewShape", "") or "").strip().upper()
    dimensions = item.get("FieldOfViewDimensions")
    if not shape or dimensions in (None, ""):
        return None
    values = [float(v) for v in np.atleast_1d(np.asarray(dimensions, dtype=float))]
    if shape not in ("RECTANGLE", "ROUND", "HEXAGONAL") or not all(v > 0 for v in values):
        notes.warn(f"FieldOfViewShape {shape!r} / FieldOfViewDimensions {values}: not used")
        return None
    return {"shape": shape, "dimensions_mm": values}


def _rotation_axis(
    geometry: list[dict[str, Any]], projections: Projections, notes: Notes
) -> list[float] | float | None:
    r"""LPS position of the rotation axis at the detector's axial centre, from where each head's
    first frame lies (DetectorInformationSequence) and its RadialPosition: the centre of the
    detector face, ``radius`` along the face's inward normal. With the column direction
    :math:`\hat c = (c_x, c_y, 0)` of a head the outward normal is :math:`(c_y, -c_x, 0)`
    (DICOM angles, see :mod:`hepar.phantoms` geometry). Heads that place the axis more than
    a pixel apart give no axis but that distance (mm)."""
    if not geometry or projections.radius_mm is None:
        return None
    rows, columns = projections.detector_shape
    row_mm, col_mm = projections.pixel_spacing_mm
    axes = []
    for entry in geometry:
        views = np.flatnonzero(projections.detector_of_view == entry["detector"])
        if not views.size:
            continue
        position = np.asarray(entry["image_position_patient"], dtype=float)
        orientation = np.asarray(entry["image_orientation_patient"], dtype=float)
        row_dir, col_dir = orientation[:3], orientation[3:]
        centre = position + (columns - 1) / 2.0 * col_mm * row_dir + (
            rows - 1) / 2.0 * row_mm * col_dir
        normal = np.array([row_dir[1], -row_dir[0], 0.0])
        axes.append(centre - float(projections.radius_mm[views[0]]) * normal)
    if not axes:
        return None
    spread = float(np.ptp(np.asarray(axes), axis=0).max())
    if spread > min(row_mm, col_mm):
        return spread  # the heads disagree: no axis (the caller records the spread)
    return [round(float(v), 4) for v in np.mean(axes, axis=0)]


@reading("NM TOMO projection file")
def read_nm_projections(path: str | Path, *, assume_timezone: tzinfo | str = "UTC") -> Projections:
    """Read SPECT projections from a DICOM NM TOMO file.

    Parameters
    ----------
    path
        A multi-frame NM Image Storage file whose ImageType value 3 is ``TOMO``.
    assume_timezone
        Zone of AcquisitionDate/Time when the file has no TimezoneOffsetFromUTC (then a
        :class:`~hepar.errors.HeparWarning` says so).

    Returns
    -------
    Projections
        Counts (float64) per (window, view, row, column), views detector by detector; angles in
        [0, 360); ``metadata`` holds UIDs, manufacturer, collimator, ``detector_geometry``
        (each detector's first-frame ``image_position_patient`` and
        ``image_orientation_patient`` from DetectorInformationSequence, where the file has them)
        , ``rotation_axis_lps_mm`` (the axis at the detector's axial centre, derived from
        that geometry and RadialPosition; when the heads disagree by more than a pixel,
        ``rotation_axis_spread_mm`` instead), ``field_of_view`` (``{"shape",
        "dimensions_mm"}`` from FieldOfViewShape and FieldOfViewDimensions: the part of
        the matrix that holds data, where the file says)
        and the reading ``warnings``.

    Raises
    ------
    DicomFormatError
        Not NM, not TOMO, frames that do not fill a (window, view) grid or disagree with
        NumberOfEnergyWindows, NumberOfDetectors, NumberOfRotations or
        NumberOfFramesInRotation; missing angles, frame duration, pixel spacing or acquisition
        date.
    """
    source = str(path)
    notes = Notes(source)
    dataset = read_dataset(path)
    image_type = nm_image_type(dataset, source)
    if image_type != "TOMO":
        raise DicomFormatError(
            field="ImageType", value=list(dataset.ImageType),
            expected="value 3 'TOMO' (projections); read 'RECON TOMO' with "
            "read_nm_reconstruction", source=source,
        )
    frames = nm_frames(dataset, source)
    vectors = _index_vectors(dataset, frames.shape[0], source)
    window_of_frame = vectors["EnergyWindowVector"]
    view_keys = np.stack([vectors["DetectorVector"], vectors["RotationVector"],
                          vectors["AngularViewVector"]], axis=1)
    keys, view_of_frame = np.unique(view_keys, axis=0, return_inverse=True)
    n_windows = int(window_of_frame.max())
    counts = np.full((n_windows, len(keys), *frames.shape[1:]), np.nan)
    for frame, (window, view) in enumerate(zip(window_of_frame, view_of_frame.ravel(),
                                               strict=True)):
        if not np.isnan(counts[window - 1, view, 0, 0]):
            raise DicomFormatError(
                field="FrameIncrementPointer", value=f"frame {frame + 1} repeats window "
                f"{window}, detector/rotation/view {tuple(int(k) for k in keys[view])}",
                expected="one frame per window and view", source=source,
            )
        counts[window - 1, view] = frames[frame]
    if np.isnan(counts[:, :, 0, 0]).any():
        raise DicomFormatError(
            field="NumberOfFrames", value=frames.shape[0],
            expected=f"a frame for every window ({n_windows}) and view ({len(keys)})",
            source=source,
        )
    _check_header_counts(dataset, keys, n_windows, source)
    n_detectors = int(keys[:, 0].max())
    pixel_spacing, start = read_spacing_and_start(dataset, source, notes,
                                                  assume_timezone=assume_timezone)
    metadata: dict[str, Any] = {
        "source": source,
        "sop_instance_uid": str(dataset.get("SOPInstanceUID", "")),
        "series_instance_uid": str(dataset.get("SeriesInstanceUID", "")),
        "study_instance_uid": str(dataset.get("StudyInstanceUID", "")),
        "series_description": str(dataset.get("SeriesDescription", "")),
        "manufacturer": str(dataset.get("Manufacturer", "")),
        "model": str(dataset.get("ManufacturerModelName", "")),
    }
    detectors = dataset.get("DetectorInformationSequence") or []
    if detectors and detectors[0].get("CollimatorGridName"):
        metadata["collimator"] = str(detectors[0].CollimatorGridName)
    field_of_view = _field_of_view(dataset, notes)
    if field_of_view is not None:
        metadata["field_of_view"] = field_of_view
    geometry = _detector_geometry(dataset, n_detectors, notes, source)
    if geometry:
        metadata["detector_geometry"] = geometry
    projections = Projections(
        counts=counts,
        angles_deg=_angles(dataset, keys, n_detectors, notes, source),
        detector_of_view=keys[:, 0],
        windows=read_energy_windows(dataset, n_windows, notes, source),
        pixel_spacing_mm=pixel_spacing,
        acquisition_start=start,
        frame_duration_s=_frame_duration_s(dataset, {int(r) for r in keys[:, 1]}, notes, source),
        radius_mm=_radius(dataset, keys, notes),
        isotope=read_isotope(dataset, notes),
        frame_of_reference_uid=str(dataset.get("FrameOfReferenceUID", "")) or None,
        metadata=metadata,
    )
    axis = _rotation_axis(geometry, projections, notes)
    if isinstance(axis, list):
        metadata["rotation_axis_lps_mm"] = axis
    elif axis is not None:
        metadata["rotation_axis_spread_mm"] = round(axis, 3)
    metadata["warnings"] = list(notes)
    return projections
