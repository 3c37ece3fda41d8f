"""Write :class:`~hepar.spect.Projections` as a DICOM NM TOMO multi-frame file, as a camera does.

The layout follows PS3.3 C.8.4 (NM Image IOD): one NM Image Storage instance, ImageType
``ORIGINAL\\PRIMARY\\TOMO\\EMISSION``, frames ordered by FrameIncrementPointer
EnergyWindowVector \\ DetectorVector \\ RotationVector \\ AngularViewVector (Table C.8-8, the last
index varying fastest), energy windows in EnergyWindowInformationSequence, each detector's
StartAngle and RadialPosition in DetectorInformationSequence, the rotation (StartAngle,
AngularStep, RotationDirection, ScanArc, ActualFrameDuration, NumberOfFramesInRotation) in
RotationInformationSequence and the radionuclide as a CID 18 code. Where the projections know
where each detector's first frame lies in patient space (``metadata["detector_geometry"]``), its
ImagePositionPatient and ImageOrientationPatient go into DetectorInformationSequence too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from hepar.errors import GeometryError, InvalidValueError
from hepar.spect import Projections

from ._dicom_common import fmt_ds, fmt_ds_list, orientation_from_iop, strictly
from ._dicom_time import require_aware
from ._dicom_write import StudyInfo, save_atomically
from ._nm_common import (
    energy_window_sequence,
    frame_duration_ms,
    nm_acquisition_dataset,
    radiopharmaceutical_sequence,
)

__all__ = ["ANGLE_TOLERANCE_DEG", "COUNT_INTEGER_TOLERANCE", "write_nm_projections"]

#: Largest deviation of a view angle from StartAngle + n x AngularStep accepted when writing.
ANGLE_TOLERANCE_DEG = 1e-3
#: Counts must be whole numbers within this (a float array of Poisson samples passes; a scaled or
#: smoothed array does not: hepar never rounds counts silently).
COUNT_INTEGER_TOLERANCE = 1e-6
_MAX_COUNT = int(np.iinfo(np.uint16).max)
#: Frame Increment Pointer of a TOMO image (PS3.3 Table C.8-8).
TOMO_FRAME_INCREMENT_POINTER = (0x00540010, 0x00540020, 0x00540050, 0x00540090)


def _stored_counts(counts: NDArray[Any]) -> NDArray[np.uint16]:
    values = np.asarray(counts, dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidValueError(
            field=f"counts[{where}]", value=float(values[where]),
            expected="finite, non-negative counts",
        )
    rounded = np.rint(values)
    off = np.abs(values - rounded) > COUNT_INTEGER_TOLERANCE
    if off.any():
        where = tuple(int(i) for i in np.argwhere(off)[0])
        raise InvalidValueError(
            field=f"counts[{where}]", value=float(values[where]),
            expected=f"whole numbers of events (within {COUNT_INTEGER_TOLERANCE}); hepar does "
            "not round counts when writing",
        )
    if rounded.max(initial=0) > _MAX_COUNT:
        where = tuple(int(i) for i in np.argwhere(rounded > _MAX_COUNT)[0])
        raise InvalidValueError(
            field=f"counts[{where}]", value=float(values[where]),
            expected=f"at most {_MAX_COUNT} per pixel (NM Image Pixel Module: Bits Allocated 8 "
            "or 16, PS3.3 C.8.4.7); use shorter frames or larger pixels",
        )
    return rounded.astype(np.uint16)


def _views_by_detector(projections: Projections) -> list[NDArray[np.int_]]:
    detectors = projections.detector_of_view
    numbers = sorted({int(d) for d in detectors})
    if numbers != list(range(1, len(numbers) + 1)):
        raise InvalidValueError(
            field="detector_of_view", value=numbers, expected="detector numbers 1, 2, ... n"
        )
    groups = [np.flatnonzero(detectors == d) for d in numbers]
    sizes = {len(g) for g in groups}
    if len(sizes) != 1 or sizes.pop() < 2:
        raise InvalidValueError(
            field="detector_of_view", value=[len(g) for g in groups],
            expected="the same number (at least 2) of views for every detector",
        )
    return groups


def _angular_step(projections: Projections, groups: list[NDArray[np.int_]]) -> float:
    """Signed step in degrees shared by all detectors (positive: counter-clockwise)."""
    steps = np.concatenate([np.diff(projections.angles_deg[g]) for g in groups])
    steps = (steps + 180.0) % 360.0 - 180.0  # wrap into [-180, 180)
    step = float(np.median(steps))
    first = projections.angles_deg[groups[0][0]]
    for group in groups:
        start = projections.angles_deg[group[0]]
        expected = start + step * np.arange(len(group))
        error = np.abs((projections.angles_deg[group] - expected + 180.0) % 360.0 - 180.0)
        if step == 0 or error.max() > ANGLE_TOLERANCE_DEG:
            raise InvalidValueError(
                field="angles_deg", value=np.round(projections.angles_deg[group], 4).tolist(),
                expected="views of each detector at StartAngle + n x AngularStep with one "
                f"non-zero step for all detectors (NM TOMO); first detector starts at {first}",
            )
    return step


def _numbers(value: Any) -> NDArray[np.float64] | None:
    """``value`` as a flat array of finite floats, or None if it is not one."""
    try:
        numbers = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return numbers if value is not None and np.all(np.isfinite(numbers)) else None


def _detector_geometry(
    entries: Any, n_detectors: int
) -> dict[int, tuple[list[str], list[str]]]:
    """ImagePositionPatient and ImageOrientationPatient (DS strings) by detector number, from
    ``metadata["detector_geometry"]`` (checked: strict writing)."""
    if entries is None:
        return {}
    where = 'projections.metadata["detector_geometry"]'
    if isinstance(entries, Mapping) or not isinstance(entries, Sequence):
        raise InvalidValueError(
            field=where, value=type(entries).__name__,
            expected="a list of {detector, image_position_patient, image_orientation_patient}",
        )
    found: dict[int, tuple[list[str], list[str]]] = {}
    for index, entry in enumerate(entries):
        field = f"{where}[{index}]"
        detector = entry.get("detector") if isinstance(entry, Mapping) else None
        if (not isinstance(detector, int | np.integer) or isinstance(detector, bool)
                or not 1 <= detector <= n_detectors or int(detector) in found):
            raise InvalidValueError(
                field=f"{field}.detector", value=detector,
                expected=f"a detector number from 1 to {n_detectors}, each at most once",
            )
        position = _numbers(entry.get("image_position_patient"))
        if position is None or position.shape != (3,):
            raise GeometryError(
                field=f"{field}.image_position_patient", value=entry.get("image_position_patient"),
                expected="three finite numbers: x, y, z (LPS, mm) of the first frame's upper-left "
                "pixel",
            )
        orientation = _numbers(entry.get("image_orientation_patient"))
        row, col = orientation_from_iop(
            None if orientation is None else orientation.tolist(),
            source="", field=f"{field}.image_orientation_patient",
        )
        found[int(detector)] = (fmt_ds_list(position), fmt_ds_list(np.concatenate([row, col])))
    return found


def _detector_items(
    projections: Projections, groups: list[NDArray[np.int_]],
    geometry: dict[int, tuple[list[str], list[str]]],
) -> DicomSequence:
    items = []
    collimator = str(projections.metadata.get("collimator", ""))[:16]
    for number, group in enumerate(groups, start=1):
        position, orientation = geometry.get(number, ("", ""))
        item = Dataset()
        item.CollimatorGridName = collimator
        item.CollimatorType = ""
        item.FocalDistance = ""
        item.ImagePositionPatient = position
        item.ImageOrientationPatient = orientation
        item.StartAngle = fmt_ds(projections.angles_deg[group[0]] % 360.0)
        if projections.radius_mm is not None:
            item.RadialPosition = fmt_ds_list(projections.radius_mm[group])
        items.append(item)
    return DicomSequence(items)


def _rotation_item(
    projections: Projections, groups: list[NDArray[np.int_]], step: float, duration_ms: int
) -> Dataset:
    item = Dataset()
    item.StartAngle = fmt_ds(projections.angles_deg[groups[0][0]] % 360.0)
    item.AngularStep = fmt_ds(abs(step))
    item.RotationDirection = "CC" if step > 0 else "CW"
    item.ScanArc = fmt_ds(abs(step) * len(groups[0]))
    item.ActualFrameDuration = duration_ms
    item.NumberOfFramesInRotation = len(groups[0])
    return item


@strictly
def write_nm_projections(
    projections: Projections,
    path: str | Path,
    *,
    study: StudyInfo | None = None,
    series_description: str = "SPECT projections",
    series_number: int = 2,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write projections as a DICOM NM TOMO multi-frame file (NM Image Storage).

    Views are grouped by detector (``detector_of_view``), in their order within each detector;
    :func:`read_nm_projections` returns them in that order, so ``read(write(p))`` equals ``p``
    when ``p``'s views are already grouped (angles are returned modulo 360 degrees).

    Parameters
    ----------
    projections
        Counts per (window, view, row, column): whole numbers from 0 to 65535. Its
        ``metadata["detector_geometry"]``, if present, places each detector's first frame in
        patient space: a list of ``{"detector": d, "image_position_patient": [x, y, z],
        "image_orientation_patient": [row x, y, z, column x, y, z]}`` (LPS, mm; the position
        of the upper-left pixel), written to that detector's DetectorInformationSequence item
        (PS3.3 C.8.4.11). Detectors not listed keep these attributes empty.
    path
        File to write (replaced atomically).
    study
        Patient and study attributes; share one ``StudyInfo`` with the CT of the session.
    series_instance_uid
        The series' UID (a new one if not given); the SOP Instance UID is derived from it, so
        the same projections written with the same series UID and ``creation_datetime`` give
        identical files.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time (the time of writing if not given); Content
        and Series date and time are the acquisition start.

    Raises
    ------
    InvalidValueError
        Counts that are negative, not whole or above 65535 (NM allows 8 or 16 bits); angles not
        evenly stepped per detector; detectors with different numbers of views; a window name
        longer than 16 characters; a frame duration that is not a whole number of ms; an isotope
        without a CID 18 code; a naive ``creation_datetime``.
    GeometryError
        A ``detector_geometry`` entry without three position values or with direction cosines
        that are not orthogonal unit vectors.
    """
    require_aware("creation_datetime", creation_datetime)
    stored = _stored_counts(projections.counts)
    groups = _views_by_detector(projections)
    geometry = _detector_geometry(projections.metadata.get("detector_geometry"), len(groups))
    step = _angular_step(projections, groups)
    duration_ms = frame_duration_ms(projections)
    dataset = nm_acquisition_dataset(
        projections, image_type="TOMO", study=study,
        series_instance_uid=series_instance_uid or generate_uid(), series_number=series_number,
        series_description=series_description, creation_datetime=creation_datetime,
    )
    n_windows, n_detectors, n_views = len(projections.windows), len(groups), len(groups[0])
    # NM Multi-frame: window > detector > rotation > view, the view varying fastest.
    w, d, v = np.meshgrid(np.arange(n_windows), np.arange(n_detectors), np.arange(n_views),
                          indexing="ij")
    view_index = np.stack(groups)[d.ravel(), v.ravel()]
    frames = stored[w.ravel(), view_index]
    dataset.FrameIncrementPointer = list(TOMO_FRAME_INCREMENT_POINTER)
    dataset.EnergyWindowVector = (w.ravel() + 1).tolist()
    dataset.NumberOfEnergyWindows = n_windows
    dataset.DetectorVector = (d.ravel() + 1).tolist()
    dataset.NumberOfDetectors = n_detectors
    dataset.RotationVector = [1] * frames.shape[0]
    dataset.NumberOfRotations = 1
    dataset.AngularViewVector = (v.ravel() + 1).tolist()
    # NM Image, Isotope, Detector and TOMO Acquisition modules
    total = int(stored.sum(dtype=np.int64))
    dataset.CountsAccumulated = total if total < 2**31 else ""  # IS holds 32-bit signed values
    dataset.ActualFrameDuration = duration_ms
    dataset.EnergyWindowInformationSequence = energy_window_sequence(projections.windows)
    dataset.RadiopharmaceuticalInformationSequence = radiopharmaceutical_sequence(
        projections.isotope
    )
    dataset.DetectorInformationSequence = _detector_items(projections, groups, geometry)
    dataset.RotationInformationSequence = DicomSequence(
        [_rotation_item(projections, groups, step, duration_ms)]
    )
    dataset.TypeOfDetectorMotion = "STEP AND SHOOT"
    dataset.PixelSpacing = fmt_ds_list(projections.pixel_spacing_mm)
    dataset.set_pixel_data(frames, "MONOCHROME2", 16, generate_instance_uid=False)
    return save_atomically(dataset, path)
