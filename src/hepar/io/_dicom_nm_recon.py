"""Reconstructed SPECT <-> :class:`~hepar.imaging.Volume` (NM Image Storage, RECON TOMO).

A reconstructed SPECT volume is written the way the NM Image IOD defines it (PS3.3 A.5, C.8.4):
one multi-frame NM Image Storage instance, ImageType ``ORIGINAL\\PRIMARY\\RECON TOMO\\EMISSION``,
frames ordered by FrameIncrementPointer = SliceVector (Table C.8-8), the position and orientation
of the first frame in DetectorInformationSequence (C.8.4.11), SpacingBetweenSlices and
SliceThickness in the NM Reconstruction Module (C.8.4.13). The NM IOD has no Modality LUT and
allows only 8 or 16 bits (C.8.4.7), so quantitative values are unsigned 16-bit with their unit
and scale in RealWorldValueMappingSequence of the NM Image Module (C.8.4.9; units as UCUM codes,
e.g. ``Bq/ml``) -- not RescaleSlope, which belongs to CT and PET. A Bq/mL volume also carries
Units ``BQML`` and DecayCorrection ``START`` (PET Series Module attributes, as quantitative
SPECT exports write them) for viewers that look there.

Frames are taken to advance along row x column of ImageOrientationPatient by
SpacingBetweenSlices (its sign respected), the convention of GDCM and ITK for NM volumes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import NuclearMedicineImageStorage, generate_uid

from hepar.errors import DicomFormatError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume, VolumeUnit, affine_from_geometry, new_frame_of_reference_uid
from hepar.spect import EnergyWindow

from ._dicom_common import (
    Notes,
    fmt_ds,
    fmt_ds_list,
    orientation_from_iop,
    read_dataset,
    reading,
    strictly,
)
from ._dicom_time import dicom_datetime, require_aware
from ._dicom_write import (
    StudyInfo,
    base_dataset,
    orientation_values,
    save_atomically,
    set_nm_patient_orientation,
)
from ._nm_common import (
    energy_window_sequence,
    nm_frames,
    nm_image_type,
    radiopharmaceutical_sequence,
    read_energy_windows,
    read_isotope,
)

__all__ = ["NM_UNIT_CODES", "read_nm_reconstruction", "write_nm_reconstruction"]

#: UCUM code (CodingSchemeDesignator UCUM) of each unit an NM reconstruction may carry.
NM_UNIT_CODES: dict[VolumeUnit, tuple[str, str]] = {
    VolumeUnit.BQ_PER_ML: ("Bq/ml", "Becquerels/milliliter"),
    VolumeUnit.COUNTS: ("{counts}", "Counts"),
}
_UNIT_OF_CODE = {code.lower(): unit for unit, (code, _) in NM_UNIT_CODES.items()}
_STORED_MAX = int(np.iinfo(np.uint16).max)


def _scale(values: NDArray[np.float64]) -> tuple[float, float]:
    """Slope and intercept mapping 0..65535 onto the values (intercept 0 unless negative)."""
    intercept = min(0.0, float(values.min(initial=0.0)))
    top = float(values.max(initial=0.0))
    slope = (top - intercept) / _STORED_MAX if top > intercept else 1.0
    return slope, intercept


def _real_world_value_mapping(unit: VolumeUnit, slope: float, intercept: float) -> DicomSequence:
    code, meaning = NM_UNIT_CODES[unit]
    units = Dataset()
    units.CodeValue = code
    units.CodingSchemeDesignator = "UCUM"
    units.CodeMeaning = meaning
    item = Dataset()
    item.LUTExplanation = unit.value
    item.LUTLabel = "hepar"
    item.MeasurementUnitsCodeSequence = DicomSequence([units])
    item.RealWorldValueFirstValueMapped = 0
    item.RealWorldValueLastValueMapped = _STORED_MAX
    item.RealWorldValueIntercept = intercept
    item.RealWorldValueSlope = slope
    return DicomSequence([item])


@strictly
def write_nm_reconstruction(
    volume: Volume,
    path: str | Path,
    *,
    study: StudyInfo | None = None,
    isotope: str | None = None,
    windows: tuple[EnergyWindow, ...] = (),
    acquisition_datetime: datetime | None = None,
    series_description: str = "SPECT reconstruction",
    series_number: int = 3,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write a reconstructed SPECT volume as one NM Image Storage RECON TOMO file.

    Values are stored as uint16 with a real-world value mapping ``value = stored x slope +
    intercept`` (slope = range / 65535), so a round trip keeps them within slope / 2, i.e.
    7.6e-6 of the value range.

    Parameters
    ----------
    volume
        In ``"Bq/mL"`` (quantitative) or ``"counts"``.
    path
        File to write (replaced atomically).
    isotope, windows
        The radionuclide and the energy window(s) reconstructed, if known.
    acquisition_datetime
        Timezone-aware start of the acquisition reconstructed, if known; also Content and
        Series date and time.
    series_instance_uid
        The series' UID (a new one if not given); the SOP Instance UID is derived from it, so
        the same volume written with the same series UID and times gives identical files.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time (the time of writing if not given).

    Raises
    ------
    UnitMismatchError
        Another unit (e.g. ``"Gy"``: write RT Dose instead).
    InvalidValueError
        Non-finite values, a naive datetime.
    """
    if volume.unit not in NM_UNIT_CODES:
        raise UnitMismatchError(
            field="volume.unit", value=volume.unit.value,
            expected=f"one of {[u.value for u in NM_UNIT_CODES]} for an NM reconstruction",
        )
    require_aware("acquisition_datetime", acquisition_datetime)
    require_aware("creation_datetime", creation_datetime)
    values = np.asarray(volume.array, dtype=float)
    if not np.all(np.isfinite(values)):
        raise InvalidValueError(field="volume.array", value="NaN or infinite",
                                expected="finite values")
    iop, ipp, spacing_z, frames = orientation_values(volume.affine, volume.shape, values)
    slope, intercept = _scale(values)
    stored = np.rint((frames - intercept) / slope).clip(0, _STORED_MAX).astype(np.uint16)
    dataset = base_dataset(
        sop_class_uid=NuclearMedicineImageStorage, modality="NM", study=study or StudyInfo(),
        series_instance_uid=series_instance_uid or generate_uid(), series_number=series_number,
        series_description=series_description, content_datetime=acquisition_datetime,
        creation_datetime=creation_datetime,
    )
    dataset.ImageType = ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    if acquisition_datetime is not None:
        dataset.AcquisitionDate = acquisition_datetime.strftime("%Y%m%d")
        dataset.AcquisitionTime = acquisition_datetime.strftime("%H%M%S.%f")
    dataset.FrameOfReferenceUID = volume.frame_of_reference_uid
    dataset.PositionReferenceIndicator = ""
    set_nm_patient_orientation(dataset)
    n_slices = volume.shape[0]
    dataset.FrameIncrementPointer = 0x00540080  # SliceVector (PS3.3 Table C.8-8, RECON TOMO)
    dataset.SliceVector = list(range(1, n_slices + 1))
    dataset.NumberOfSlices = n_slices
    dataset.NumberOfEnergyWindows = max(1, len(windows))
    dataset.NumberOfDetectors = 1
    dataset.NumberOfRotations = 1
    dataset.CountsAccumulated = ""
    dataset.EnergyWindowInformationSequence = energy_window_sequence(windows)
    dataset.RadiopharmaceuticalInformationSequence = radiopharmaceutical_sequence(isotope)
    detector = Dataset()
    detector.CollimatorType = ""
    detector.FocalDistance = ""
    detector.ImagePositionPatient = ipp
    detector.ImageOrientationPatient = iop
    dataset.DetectorInformationSequence = DicomSequence([detector])
    dataset.RotationInformationSequence = DicomSequence([])
    dataset.SliceThickness = fmt_ds(spacing_z)
    dataset.SpacingBetweenSlices = fmt_ds(spacing_z)
    dataset.PixelSpacing = fmt_ds_list(volume.spacing_mm[1:])
    dataset.RealWorldValueMappingSequence = _real_world_value_mapping(volume.unit, slope,
                                                                      intercept)
    if volume.unit is VolumeUnit.BQ_PER_ML:
        # Units and DecayCorrection (PET Series Module, C.8.9.1) as quantitative SPECT
        # exports add them to NM (a standard extended SOP class): viewers that read SUV from
        # NM look for them. Values are at acquisition start, as RealWorldValueMapping holds.
        dataset.Units = "BQML"
        dataset.DecayCorrection = "START"
    dataset.set_pixel_data(stored, "MONOCHROME2", 16, generate_instance_uid=False)
    return save_atomically(dataset, path)


def _geometry(dataset: Dataset, shape: tuple[int, ...], notes: Notes,
              source: str) -> NDArray[np.float64]:
    detectors = dataset.get("DetectorInformationSequence") or []
    holder: Dataset = detectors[0] if detectors else dataset
    if not holder.get("ImagePositionPatient") and dataset.get("ImagePositionPatient"):
        notes.warn("ImagePositionPatient/ImageOrientationPatient read from the top level, not "
                   "DetectorInformationSequence")
        holder = dataset
    row, col = orientation_from_iop(holder.get("ImageOrientationPatient") or None,
                                    source=source,
                                    field="DetectorInformationSequence.ImageOrientationPatient")
    position = holder.get("ImagePositionPatient")
    if not position or len(position) != 3:
        raise DicomFormatError(field="DetectorInformationSequence.ImagePositionPatient",
                               value=position, expected="x, y, z of the first frame (mm)",
                               source=source)
    step = dataset.get("SpacingBetweenSlices")
    if step in (None, "") or float(step) == 0:
        if shape[0] > 1 and dataset.get("SliceThickness") in (None, ""):
            raise DicomFormatError(field="SpacingBetweenSlices", value=step,
                                   expected="the distance between slices (mm)", source=source)
        step = dataset.get("SliceThickness") or 1.0
        if shape[0] > 1:
            notes.warn(f"SpacingBetweenSlices missing; SliceThickness ({step} mm) used")
    spacing = dataset.get("PixelSpacing")
    if spacing is None or len(spacing) != 2:
        raise DicomFormatError(field="PixelSpacing", value=spacing,
                               expected="row and column spacing (mm)", source=source)
    step = float(step)
    normal = np.cross(row, col) * np.sign(step)
    return affine_from_geometry(
        origin_lps_mm=[float(v) for v in position],
        spacing_mm=(abs(step), float(spacing[0]), float(spacing[1])),
        row_direction=row, column_direction=col, slice_direction=normal,
    )


def _unit_and_values(dataset: Dataset, stored: NDArray[Any], notes: Notes,
                     source: str) -> tuple[VolumeUnit, NDArray[Any]]:
    for item in dataset.get("RealWorldValueMappingSequence") or []:
        codes_ = item.get("MeasurementUnitsCodeSequence") or []
        code = str(codes_[0].get("CodeValue", "")) if codes_ else ""
        unit = _UNIT_OF_CODE.get(code.lower())
        if unit is None:
            raise DicomFormatError(
                field="RealWorldValueMappingSequence.MeasurementUnitsCodeSequence", value=code,
                expected=f"one of {[c for c, _ in NM_UNIT_CODES.values()]} (UCUM)",
                source=source,
            )
        slope = float(item.get("RealWorldValueSlope", 1.0))
        intercept = float(item.get("RealWorldValueIntercept", 0.0))
        return unit, stored.astype(np.float64) * slope + intercept
    notes.warn("no RealWorldValueMappingSequence: values read as counts")
    return VolumeUnit.COUNTS, stored.astype(np.float64)


@reading("NM RECON TOMO file")
def read_nm_reconstruction(path: str | Path, *, assume_timezone: tzinfo | str = "UTC") -> Volume:
    """Read a reconstructed SPECT volume from an NM RECON TOMO file.

    Returns
    -------
    Volume
        Values (float64) in the unit of RealWorldValueMappingSequence (``"Bq/mL"`` or
        ``"counts"``; counts if the file has no mapping, noted). ``metadata`` holds UIDs,
        ``isotope``, ``energy_windows``, ``acquisition_start`` and the reading ``warnings``.

    Raises
    ------
    DicomFormatError
        Not an NM RECON TOMO image; missing geometry; a unit hepar does not know.
    """
    source = str(path)
    notes = Notes(source)
    dataset = read_dataset(path)
    image_type = nm_image_type(dataset, source)
    if image_type != "RECON TOMO":
        raise DicomFormatError(
            field="ImageType", value=list(dataset.ImageType),
            expected="value 3 'RECON TOMO' (read 'TOMO' with read_nm_projections)",
            source=source,
        )
    frames = nm_frames(dataset, source)
    order = np.argsort(np.atleast_1d(np.asarray(dataset.get("SliceVector") or
                                                 range(1, frames.shape[0] + 1), dtype=int)),
                       kind="stable")
    frames = frames[order]
    affine = _geometry(dataset, frames.shape, notes, source)
    unit, values = _unit_and_values(dataset, frames, notes, source)
    start = dicom_datetime(dataset, prefixes=("Acquisition",), assume_timezone=assume_timezone,
                           notes=notes)
    n_windows = len(dataset.get("EnergyWindowInformationSequence") or [])
    windows = read_energy_windows(dataset, n_windows, notes, source)
    frame_of_reference = str(dataset.get("FrameOfReferenceUID", "") or "")
    if not frame_of_reference:
        frame_of_reference = new_frame_of_reference_uid()
        notes.warn(f"FrameOfReferenceUID missing; a new one ({frame_of_reference}) was made")
    metadata: dict[str, Any] = {
        "source": source,
        "modality": "NM",
        "sop_instance_uid": str(dataset.get("SOPInstanceUID", "")),
        "series_instance_uid": str(dataset.get("SeriesInstanceUID", "")),
        "study_instance_uid": str(dataset.get("StudyInstanceUID", "")),
        "series_description": str(dataset.get("SeriesDescription", "")),
        "isotope": read_isotope(dataset, notes),
        "energy_windows": windows,
        "acquisition_start": start.isoformat() if start else None,
        "warnings": list(notes),
    }
    return Volume(values, affine, unit, frame_of_reference, metadata)
