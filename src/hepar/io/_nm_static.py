"""Planar NM STATIC images (a calibration source, a whole-body spot view) <->
:class:`~hepar.spect.Projections` with one view per detector.

A STATIC NM image (PS3.3 C.8.4, ImageType ``ORIGINAL\\PRIMARY\\STATIC\\EMISSION``) is one
multi-frame NM Image Storage instance whose frames are indexed by FrameIncrementPointer
EnergyWindowVector \\ DetectorVector (Table C.8-8). Each detector looks at the patient from one
fixed angle: the file gives it as StartAngle of the detector's DetectorInformationSequence item
(C.8.4.11) or, in many planar files, only as a View Code (ANTERIOR / POSTERIOR, CID 26). The
acquisition time of every frame is ActualFrameDuration (ms, NM Image Module C.8.4.9).

In :class:`~hepar.spect.Projections` terms a static image is an acquisition with one view per
detector: ``counts[window, detector - 1]``, ``angles_deg`` the detector's angle (DICOM
convention: 0 degrees behind the patient, i.e. posterior, 180 degrees anterior; see
:mod:`hepar.phantoms` geometry) and ``metadata["image_type"] == "STATIC"``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from hepar.errors import DicomFormatError, InvalidValueError
from hepar.physics import MS_PER_S
from hepar.spect import Projections

from ._dicom_common import Notes, fmt_ds, fmt_ds_list, read_dataset, reading, strictly
from ._dicom_time import require_aware
from ._dicom_write import StudyInfo, save_atomically
from ._nm_common import (
    energy_window_sequence,
    frame_duration_ms,
    nm_acquisition_dataset,
    nm_frames,
    nm_image_type,
    radiopharmaceutical_sequence,
    read_energy_windows,
    read_isotope,
    read_spacing_and_start,
)
from ._nm_projections_read import read_nm_projections
from ._nm_projections_write import _stored_counts

__all__ = ["read_nm_acquisition", "read_nm_static", "write_nm_static"]

#: Frame Increment Pointer of a STATIC image (PS3.3 Table C.8-8).
STATIC_FRAME_INCREMENT_POINTER = (0x00540010, 0x00540020)
#: DICOM angle of the view codes a planar file may carry instead of StartAngle (CID 26 meanings;
#: 0 degrees puts the detector at the patient's back).
_VIEW_ANGLE_DEG = {"posterior": 0.0, "anterior": 180.0, "left lateral": 90.0,
                   "right lateral": 270.0}
_VIEW_CODES = {0.0: ("R-10214", "posterior"), 180.0: ("R-10206", "anterior")}


def _vector(dataset: Dataset, keyword: str, n_frames: int, source: str) -> np.ndarray:
    values = dataset.get(keyword)
    if values in (None, ""):
        return np.ones(n_frames, dtype=int)
    vector = np.atleast_1d(np.asarray(values, dtype=int))
    if vector.shape != (n_frames,) or vector.min() < 1:
        raise DicomFormatError(field=keyword, value=f"{vector.size} values",
                               expected=f"one index from 1 per frame ({n_frames} frames)",
                               source=source)
    return vector


def _detector_angle(item: Dataset | None, detector: int, n_detectors: int, notes: Notes) -> float:
    if item is not None and item.get("StartAngle") not in (None, ""):
        return float(item.StartAngle) % 360.0
    for code in (item.get("ViewCodeSequence") or []) if item is not None else []:
        meaning = str(code.get("CodeMeaning", "")).strip().lower()
        if meaning in _VIEW_ANGLE_DEG:
            return _VIEW_ANGLE_DEG[meaning]
    angle = (180.0 + (detector - 1) * 360.0 / n_detectors) % 360.0
    notes.warn(f"DetectorInformationSequence[{detector}] has neither StartAngle nor a view code; "
               f"detector {detector} assumed at {angle:g} degrees (detector 1 anterior)")
    return angle


def _check_header_counts(dataset: Dataset, n_windows: int, n_detectors: int, n_frames: int,
                         source: str) -> None:
    for keyword, found in (("NumberOfEnergyWindows", n_windows),
                           ("NumberOfDetectors", n_detectors)):
        stated = dataset.get(keyword)
        if stated not in (None, "") and int(stated) != found:
            raise DicomFormatError(field=keyword, value=int(stated),
                                   expected=f"{found}, as the frame vectors index", source=source)
    if n_windows * n_detectors != n_frames:
        raise DicomFormatError(
            field="NumberOfFrames", value=n_frames,
            expected=f"one frame per window ({n_windows}) and detector ({n_detectors})",
            source=source,
        )


@reading("NM STATIC file")
def read_nm_static(path: str | Path, *, assume_timezone: tzinfo | str = "UTC") -> Projections:
    """Read a planar NM STATIC image as projections with one view per detector.

    Parameters
    ----------
    path
        A multi-frame NM Image Storage file whose ImageType value 3 is ``STATIC``.
    assume_timezone
        Zone of AcquisitionDate/Time when the file has no TimezoneOffsetFromUTC (noted).

    Returns
    -------
    Projections
        ``counts[window, detector - 1, row, column]``; ``angles_deg`` from each detector's
        StartAngle or view code; ``frame_duration_s`` from ActualFrameDuration;
        ``metadata["image_type"]`` is ``"STATIC"``.

    Raises
    ------
    DicomFormatError
        Not NM STATIC; frames that are not one per window and detector (or disagree with
        NumberOfEnergyWindows / NumberOfDetectors); no energy window, frame duration, pixel
        spacing or acquisition date.
    """
    source = str(path)
    notes = Notes(source)
    dataset = read_dataset(path)
    image_type = nm_image_type(dataset, source)
    if image_type != "STATIC":
        raise DicomFormatError(field="ImageType", value=list(dataset.ImageType),
                               expected="value 3 'STATIC' (planar image)", source=source)
    frames = nm_frames(dataset, source)
    n_frames = frames.shape[0]
    window_of_frame = _vector(dataset, "EnergyWindowVector", n_frames, source)
    detector_of_frame = _vector(dataset, "DetectorVector", n_frames, source)
    n_windows, n_detectors = int(window_of_frame.max()), int(detector_of_frame.max())
    _check_header_counts(dataset, n_windows, n_detectors, n_frames, source)
    if not dataset.get("EnergyWindowInformationSequence"):
        raise DicomFormatError(field="EnergyWindowInformationSequence", value=None,
                               expected="the energy window of every frame", source=source)
    counts = np.full((n_windows, n_detectors, *frames.shape[1:]), np.nan)
    for frame, (window, detector) in enumerate(zip(window_of_frame, detector_of_frame,
                                                   strict=True)):
        if not np.isnan(counts[window - 1, detector - 1, 0, 0]):
            raise DicomFormatError(
                field="FrameIncrementPointer",
                value=f"frame {frame + 1} repeats window {window}, detector {detector}",
                expected="one frame per window and detector", source=source)
        counts[window - 1, detector - 1] = frames[frame]
    duration = dataset.get("ActualFrameDuration")
    if duration in (None, "") or not float(duration) > 0:
        raise DicomFormatError(field="ActualFrameDuration", value=duration,
                               expected="the acquisition time of the frames (ms)", source=source)
    spacing, start = read_spacing_and_start(dataset, source, notes,
                                            assume_timezone=assume_timezone)
    detectors = list(dataset.get("DetectorInformationSequence") or [])
    items: list[Dataset | None] = [detectors[d] if d < len(detectors) else None
                                   for d in range(n_detectors)]
    angles = [_detector_angle(item, d + 1, n_detectors, notes) for d, item in enumerate(items)]
    radii = [item.get("RadialPosition") if item is not None else None for item in items]
    radius = (np.asarray([float(np.atleast_1d(np.asarray(r, dtype=float))[0]) for r in radii])
              if all(r not in (None, "") for r in radii) else None)
    metadata: dict[str, Any] = {
        "source": source,
        "image_type": "STATIC",
        "sop_instance_uid": str(dataset.get("SOPInstanceUID", "")),
        "series_instance_uid": str(dataset.get("SeriesInstanceUID", "")),
        "study_instance_uid": str(dataset.get("StudyInstanceUID", "")),
        "series_description": str(dataset.get("SeriesDescription", "")),
        "manufacturer": str(dataset.get("Manufacturer", "")),
        "model": str(dataset.get("ManufacturerModelName", "")),
    }
    if detectors and detectors[0].get("CollimatorGridName"):
        metadata["collimator"] = str(detectors[0].CollimatorGridName)
    projections = Projections(
        counts=counts, angles_deg=np.asarray(angles),
        detector_of_view=np.arange(1, n_detectors + 1),
        windows=read_energy_windows(dataset, n_windows, notes, source),
        pixel_spacing_mm=spacing, acquisition_start=start,
        frame_duration_s=float(duration) / MS_PER_S, radius_mm=radius,
        isotope=read_isotope(dataset, notes),
        frame_of_reference_uid=str(dataset.get("FrameOfReferenceUID", "")) or None,
        metadata=metadata,
    )
    metadata["warnings"] = list(notes)
    return projections


def read_nm_acquisition(path: str | Path, *, assume_timezone: tzinfo | str = "UTC"
                        ) -> Projections:
    """Read an NM acquisition, SPECT (``TOMO``) or planar (``STATIC``), as projections.

    Raises
    ------
    DicomFormatError
        Not NM, or an NM image of another type (``RECON TOMO``, ``WHOLE BODY``...).
    """
    source = str(path)
    dataset = read_dataset(path, stop_before_pixels=True)
    image_type = nm_image_type(dataset, source)
    if image_type == "TOMO":
        return read_nm_projections(path, assume_timezone=assume_timezone)
    if image_type == "STATIC":
        return read_nm_static(path, assume_timezone=assume_timezone)
    raise DicomFormatError(field="ImageType", value=list(dataset.ImageType),
                           expected="value 3 'TOMO' (SPECT) or 'STATIC' (planar acquisition)",
                           source=source)


def _view_code(angle_deg: float) -> DicomSequence:
    known = _VIEW_CODES.get(round(angle_deg % 360.0, 6))
    if known is None:
        return DicomSequence([])
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = known[0], "SRT", known[1]
    return DicomSequence([item])


@strictly
def write_nm_static(
    projections: Projections,
    path: str | Path,
    *,
    study: StudyInfo | None = None,
    series_description: str = "Planar acquisition",
    series_number: int = 1,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write projections with one view per detector as a planar NM STATIC image.

    Parameters
    ----------
    projections
        Whole counts 0..65535, detectors 1..n each with exactly one view.
    path
        File to write (replaced atomically).
    study, series_description, series_number, series_instance_uid, creation_datetime
        As for :func:`~hepar.io.write_nm_projections` (same UIDs and times give the same file).

    Raises
    ------
    InvalidValueError
        Not one view per detector; counts DICOM cannot hold; a frame duration that is not a
        whole number of ms; a naive ``creation_datetime``.
    """
    require_aware("creation_datetime", creation_datetime)
    stored = _stored_counts(projections.counts)
    detectors = projections.detector_of_view.tolist()
    if detectors != list(range(1, len(detectors) + 1)):
        raise InvalidValueError(field="detector_of_view", value=detectors,
                                expected="one view per detector, detectors 1, 2, ... n (STATIC)")
    duration_ms = frame_duration_ms(projections)
    dataset = nm_acquisition_dataset(
        projections, image_type="STATIC", study=study,
        series_instance_uid=series_instance_uid or generate_uid(), series_number=series_number,
        series_description=series_description, creation_datetime=creation_datetime,
    )
    n_windows, n_detectors = len(projections.windows), len(detectors)
    w, d = np.meshgrid(np.arange(n_windows), np.arange(n_detectors), indexing="ij")
    frames = stored[w.ravel(), d.ravel()]
    dataset.FrameIncrementPointer = list(STATIC_FRAME_INCREMENT_POINTER)
    dataset.EnergyWindowVector = (w.ravel() + 1).tolist()
    dataset.NumberOfEnergyWindows = n_windows
    dataset.DetectorVector = (d.ravel() + 1).tolist()
    dataset.NumberOfDetectors = n_detectors
    total = int(stored.sum(dtype=np.int64))
    dataset.CountsAccumulated = total if total < 2**31 else ""
    dataset.ActualFrameDuration = duration_ms
    dataset.EnergyWindowInformationSequence = energy_window_sequence(projections.windows)
    dataset.RadiopharmaceuticalInformationSequence = radiopharmaceutical_sequence(
        projections.isotope)
    collimator = str(projections.metadata.get("collimator", ""))[:16]
    items = []
    for index in range(n_detectors):
        item = Dataset()
        item.CollimatorGridName = collimator
        item.CollimatorType = ""
        item.FocalDistance = ""
        angle = float(projections.angles_deg[index]) % 360.0
        item.StartAngle = fmt_ds(angle)
        item.ViewCodeSequence = _view_code(angle)
        if projections.radius_mm is not None:
            item.RadialPosition = fmt_ds(float(projections.radius_mm[index]))
        items.append(item)
    dataset.DetectorInformationSequence = DicomSequence(items)
    dataset.PixelSpacing = fmt_ds_list(projections.pixel_spacing_mm)
    dataset.set_pixel_data(frames, "MONOCHROME2", 16, generate_instance_uid=False)
    return save_atomically(dataset, path)
