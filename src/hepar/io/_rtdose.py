"""Absorbed-dose maps <-> DICOM RT Dose (PS3.3 A.18, RT Dose Module C.8.8.3).

The dose grid is one multi-frame instance on the frame of reference of the CT it was computed on:
ImagePositionPatient of the first frame, ImageOrientationPatient, PixelSpacing, and
GridFrameOffsetVector giving each frame's offset along row x column (relative form: the first
offset is 0). Doses are unsigned 32-bit integers times DoseGridScaling (Gy).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import RTDoseStorage, RTPlanStorage, generate_uid

from hepar.errors import DicomFormatError, GeometryError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry, new_frame_of_reference_uid

from ._dicom_common import (
    Notes,
    fmt_ds,
    fmt_ds_list,
    orientation_from_iop,
    read_dataset,
    reading,
    strictly,
)
from ._dicom_time import require_aware
from ._dicom_write import StudyInfo, base_dataset, orientation_values, save_atomically

__all__ = ["DOSE_SUMMATION_TYPES", "read_rtdose", "write_rtdose"]

#: Defined terms of Dose Summation Type (3004,000A), PS3.3 C.8.8.3.
DOSE_SUMMATION_TYPES = (
    "PLAN", "MULTI_PLAN", "PLAN_OVERVIEW", "FRACTION", "BEAM", "BRACHY", "FRACTION_SESSION",
    "BEAM_SESSION", "BRACHY_SESSION", "CONTROL_POINT", "RECORD",
)
_STORED_MAX = int(np.iinfo(np.uint32).max)
_GRID_FRAME_OFFSET_VECTOR = 0x3004000C


@strictly
def write_rtdose(
    volume: Volume,
    path: str | Path,
    *,
    study: StudyInfo | None = None,
    dose_summation_type: str = "PLAN",
    referenced_rt_plan_uid: str | None = None,
    dose_comment: str = "",
    series_description: str = "Absorbed dose",
    series_number: int = 4,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write an absorbed-dose map in Gy as DICOM RT Dose (DoseUnits GY, DoseType PHYSICAL).

    Doses are stored as uint32 with DoseGridScaling = max / (2^32 - 1), so a round trip keeps
    them within 1.2e-10 of the maximum dose. Geometry is written to 16-character decimal strings.

    Parameters
    ----------
    volume
        Dose in ``"Gy"`` on the CT's frame of reference (kept as FrameOfReferenceUID).
    path
        File to write (replaced atomically).
    dose_summation_type
        One of ``DOSE_SUMMATION_TYPES``. Radioembolization has no RT Plan; ``"PLAN"`` is what
        dosimetry software writes for a whole-treatment dose. PS3.3 asks for a Referenced RT Plan
        Sequence with it: it is written when ``referenced_rt_plan_uid`` is given.
    dose_comment
        Free text (DoseComment, e.g. "local deposition, 166Ho").
    series_instance_uid
        The series' UID (a new one if not given); the SOP Instance UID is derived from it, so
        the same dose written with the same series UID and ``creation_datetime`` gives
        identical files.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time and Content and Series date and time (the
        time of writing if not given).

    Raises
    ------
    UnitMismatchError
        The volume is not in Gy (a ``"HU"`` or ``"Bq/mL"`` volume is not a dose).
    InvalidValueError
        Negative or non-finite doses; an unknown summation type; a naive
        ``creation_datetime``.
    """
    require_aware("creation_datetime", creation_datetime)
    if volume.unit is not VolumeUnit.GY:
        raise UnitMismatchError(
            field="volume.unit", value=volume.unit.value,
            expected="'Gy' (RT Dose holds absorbed dose, DoseUnits GY)",
        )
    if dose_summation_type not in DOSE_SUMMATION_TYPES:
        raise InvalidValueError(field="dose_summation_type", value=dose_summation_type,
                                expected=f"one of {list(DOSE_SUMMATION_TYPES)}")
    values = np.asarray(volume.array, dtype=float)
    if not np.all(np.isfinite(values)) or values.min(initial=0.0) < 0:
        raise InvalidValueError(field="volume.array", value=float(np.nanmin(values)),
                                expected="finite, non-negative doses in Gy")
    iop, ipp, spacing_z, frames = orientation_values(volume.affine, volume.shape, values)
    top = float(values.max(initial=0.0))
    scaling_text = fmt_ds(top / _STORED_MAX if top > 0 else 1.0)
    stored = np.rint(frames / float(scaling_text)).clip(0, _STORED_MAX).astype(np.uint32)
    dataset = base_dataset(
        sop_class_uid=RTDoseStorage, modality="RTDOSE", study=study or StudyInfo(),
        series_instance_uid=series_instance_uid or generate_uid(), series_number=series_number,
        series_description=series_description, creation_datetime=creation_datetime,
    )
    dataset.FrameOfReferenceUID = volume.frame_of_reference_uid
    dataset.PositionReferenceIndicator = ""
    dataset.ImagePositionPatient = ipp
    dataset.ImageOrientationPatient = iop
    dataset.PixelSpacing = fmt_ds_list(volume.spacing_mm[1:])
    dataset.SliceThickness = fmt_ds(spacing_z)
    dataset.FrameIncrementPointer = _GRID_FRAME_OFFSET_VECTOR
    dataset.GridFrameOffsetVector = fmt_ds_list(np.arange(volume.shape[0]) * spacing_z)
    dataset.DoseUnits = "GY"
    dataset.DoseType = "PHYSICAL"
    dataset.DoseSummationType = dose_summation_type
    dataset.DoseGridScaling = scaling_text
    if dose_comment:
        dataset.DoseComment = dose_comment
    if referenced_rt_plan_uid:
        plan = Dataset()
        plan.ReferencedSOPClassUID = RTPlanStorage
        plan.ReferencedSOPInstanceUID = referenced_rt_plan_uid
        dataset.ReferencedRTPlanSequence = DicomSequence([plan])
    # pydicom's set_pixel_data stops at 16 bits: the 32-bit Image Pixel attributes by hand
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.NumberOfFrames = stored.shape[0]
    dataset.Rows, dataset.Columns = stored.shape[1], stored.shape[2]
    dataset.BitsAllocated = 32
    dataset.BitsStored = 32
    dataset.HighBit = 31
    dataset.PixelRepresentation = 0
    dataset.PixelData = stored.astype("<u4").tobytes()
    return save_atomically(dataset, path)


def _offsets(dataset: Dataset, n_frames: int, position: list[float], row: NDArray[np.float64],
             col: NDArray[np.float64], notes: Notes, source: str) -> NDArray[np.float64]:
    values = dataset.get("GridFrameOffsetVector")
    if values is None or values == "":
        if n_frames > 1:
            raise DicomFormatError(field="GridFrameOffsetVector", value=None,
                                   expected="one offset per frame (mm)", source=source)
        return np.zeros(1)
    offsets = np.atleast_1d(np.asarray(values, dtype=float))
    if offsets.shape != (n_frames,):
        raise DicomFormatError(field="GridFrameOffsetVector", value=f"{offsets.size} values",
                               expected=f"one offset per frame ({n_frames})", source=source)
    if offsets[0] != 0:
        axial = np.allclose(np.concatenate([row, col]), (1, 0, 0, 0, 1, 0), atol=1e-6)
        if not axial:
            raise GeometryError(field="GridFrameOffsetVector", value=float(offsets[0]),
                                expected="0 first (relative offsets) for a non-axial grid",
                                source=source)
        notes.warn("GridFrameOffsetVector holds absolute z positions; made relative")
        offsets = offsets - position[2]
    return offsets


def _slice_step(offsets: NDArray[np.float64], dataset: Dataset, source: str) -> float:
    if offsets.size == 1:
        thickness = dataset.get("SliceThickness")
        return float(thickness) if thickness not in (None, "") and float(thickness) > 0 else 1.0
    steps = np.diff(offsets)
    step = float(np.median(steps))
    if step == 0 or np.abs(steps - step).max() > max(0.01, 1e-3 * abs(step)):
        raise GeometryError(field="GridFrameOffsetVector",
                            value=np.round(offsets, 3).tolist(),
                            expected="evenly spaced frame offsets", source=source)
    return float((offsets[-1] - offsets[0]) / (offsets.size - 1))


@reading("RT Dose file")
def read_rtdose(path: str | Path) -> Volume:
    """Read a DICOM RT Dose grid into a volume in Gy.

    Returns
    -------
    Volume
        Dose (float64, Gy) = stored value x DoseGridScaling; the slice axis follows the
        frames. A dose in DoseUnits RELATIVE is read with unit ``"1"`` and a warning.
        ``metadata`` holds DoseType, DoseSummationType, UIDs and reading ``warnings``.

    Raises
    ------
    DicomFormatError
        Not RT Dose, no pixel data, missing geometry.
    GeometryError
        Uneven GridFrameOffsetVector, oblique grid with absolute offsets.
    """
    source = str(path)
    notes = Notes(source)
    dataset = read_dataset(path)
    if str(dataset.get("SOPClassUID", "")) != RTDoseStorage:
        raise DicomFormatError(field="SOPClassUID", value=str(dataset.get("SOPClassUID", "")),
                               expected=f"RT Dose Storage ({RTDoseStorage})", source=source)
    if "PixelData" not in dataset:
        raise DicomFormatError(field="PixelData", value=None,
                               expected="a dose grid (this RT Dose holds only DVHs or points)",
                               source=source)
    frames = np.asarray(dataset.pixel_array, dtype=float)
    if frames.ndim == 2:
        frames = frames[np.newaxis]
    row, col = orientation_from_iop(dataset.get("ImageOrientationPatient"), source=source)
    position = dataset.get("ImagePositionPatient")
    spacing = dataset.get("PixelSpacing")
    if not position or len(position) != 3 or not spacing or len(spacing) != 2:
        raise DicomFormatError(field="ImagePositionPatient/PixelSpacing",
                               value=(position, spacing),
                               expected="the grid's first position and pixel spacing",
                               source=source)
    point = [float(v) for v in position]
    offsets = _offsets(dataset, frames.shape[0], point, row, col, notes, source)
    step = _slice_step(offsets, dataset, source)
    origin = np.asarray(point) + offsets[0] * np.cross(row, col)
    affine = affine_from_geometry(
        origin_lps_mm=origin, spacing_mm=(abs(step), float(spacing[0]), float(spacing[1])),
        row_direction=row, column_direction=col, slice_direction=np.cross(row, col) * np.sign(step),
    )
    units = str(dataset.get("DoseUnits", "")).upper()
    unit = VolumeUnit.GY
    if units != "GY":
        notes.warn(f"DoseUnits = {units!r}: values are relative, read with unit '1', not Gy")
        unit = VolumeUnit.FRACTION
    scaling = float(dataset.get("DoseGridScaling", 1.0) or 1.0)
    frame_of_reference = str(dataset.get("FrameOfReferenceUID", "") or "")
    if not frame_of_reference:
        frame_of_reference = new_frame_of_reference_uid()
        notes.warn(f"FrameOfReferenceUID missing; a new one ({frame_of_reference}) was made")
    plans = dataset.get("ReferencedRTPlanSequence") or []
    metadata: dict[str, Any] = {
        "source": source,
        "modality": "RTDOSE",
        "sop_instance_uid": str(dataset.get("SOPInstanceUID", "")),
        "series_instance_uid": str(dataset.get("SeriesInstanceUID", "")),
        "study_instance_uid": str(dataset.get("StudyInstanceUID", "")),
        "dose_type": str(dataset.get("DoseType", "")),
        "dose_summation_type": str(dataset.get("DoseSummationType", "")),
        "dose_units": units,
        "referenced_rt_plan_uid": str(plans[0].ReferencedSOPInstanceUID) if plans else None,
        "warnings": list(notes),
    }
    return Volume(frames * scaling, affine, unit, frame_of_reference, metadata)
