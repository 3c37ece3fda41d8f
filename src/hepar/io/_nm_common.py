"""Parts of the DICOM NM Image IOD (PS3.3 C.8.4) shared by projections and reconstructions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import NuclearMedicineImageStorage

from hepar.errors import DicomFormatError, InvalidValueError
from hepar.physics import MS_PER_S
from hepar.spect import EnergyWindow, Projections

from ._dicom_common import Notes, fmt_ds
from ._dicom_time import dicom_datetime
from ._dicom_write import StudyInfo, base_dataset, code_item, set_nm_patient_orientation
from ._isotope_codes import isotope_code, isotope_from_code_meaning

__all__ = [
    "NM_IMAGE_STORAGE_RETIRED",
    "energy_window_sequence",
    "frame_duration_ms",
    "item_number",
    "nm_acquisition_dataset",
    "nm_frames",
    "nm_image_type",
    "radiopharmaceutical_sequence",
    "read_energy_windows",
    "read_isotope",
    "read_spacing_and_start",
    "sequence_item",
]

#: The retired NM Image Storage SOP class (PS3.4 before 1996), still met in old archives.
NM_IMAGE_STORAGE_RETIRED = "1.2.840.10008.5.1.4.1.1.5"


def nm_image_type(dataset: Dataset, source: str) -> str:
    """ImageType value 3 of an NM image (``"TOMO"``, ``"RECON TOMO"``...), checked to be NM."""
    sop_class = str(dataset.get("SOPClassUID", ""))
    if sop_class not in (NuclearMedicineImageStorage, NM_IMAGE_STORAGE_RETIRED):
        raise DicomFormatError(
            field="SOPClassUID", value=sop_class,
            expected=f"NM Image Storage ({NuclearMedicineImageStorage})", source=source,
        )
    image_type = list(dataset.get("ImageType", []) or [])
    if len(image_type) < 3:
        raise DicomFormatError(
            field="ImageType", value=image_type,
            expected="at least three values, the third saying TOMO, RECON TOMO...",
            source=source,
        )
    return str(image_type[2]).strip().upper()


def nm_frames(dataset: Dataset, source: str) -> NDArray[Any]:
    """The frames of an NM image as one ``(frame, row, column)`` array."""
    if "PixelData" not in dataset:
        raise DicomFormatError(field="PixelData", value=None, expected="pixel data",
                               source=source)
    pixels = np.asarray(dataset.pixel_array)
    n_frames = int(dataset.get("NumberOfFrames", 1) or 1)
    if pixels.ndim == 2:
        pixels = pixels[np.newaxis]
    if pixels.shape[0] != n_frames:
        raise DicomFormatError(
            field="NumberOfFrames", value=n_frames,
            expected=f"the number of frames in PixelData ({pixels.shape[0]})", source=source,
        )
    return pixels


def sequence_item(dataset: Dataset, keyword: str, number: int, source: str) -> Dataset:
    """Item ``number`` (1-based, as in the indexing vectors) of sequence ``keyword``."""
    items = dataset.get(keyword) or []
    if len(items) < number:
        raise DicomFormatError(
            field=keyword, value=f"{len(items)} items",
            expected=f"an item for number {number} used by the frames", source=source,
        )
    item: Dataset = items[number - 1]
    return item


def item_number(item: Dataset, keyword: str, where: str, source: str) -> float:
    """A required number of a sequence item; the error names ``where.keyword``."""
    value = item.get(keyword)
    if value is None or value == "":
        raise DicomFormatError(field=f"{where}.{keyword}", value=None,
                               expected="a number", source=source)
    try:
        return float(value)
    except (TypeError, ValueError):  # a multi-valued or damaged DS
        raise DicomFormatError(field=f"{where}.{keyword}", value=str(value),
                               expected="one number", source=source) from None


def read_energy_windows(
    dataset: Dataset, n_windows: int, notes: Notes, source: str
) -> tuple[EnergyWindow, ...]:
    """Windows 1..``n_windows`` of EnergyWindowInformationSequence (several ranges: their span)."""
    windows = []
    names: list[str] = []
    for number in range(1, n_windows + 1):
        item = sequence_item(dataset, "EnergyWindowInformationSequence", number, source)
        where = f"EnergyWindowInformationSequence[{number}]"
        ranges = item.get("EnergyWindowRangeSequence") or []
        if not ranges:
            raise DicomFormatError(field=f"{where}.EnergyWindowRangeSequence", value=None,
                                   expected="the window's lower and upper limits", source=source)
        lower = min(item_number(r, "EnergyWindowLowerLimit", where, source) for r in ranges)
        upper = max(item_number(r, "EnergyWindowUpperLimit", where, source) for r in ranges)
        if len(ranges) > 1:
            notes.warn(f"{where} has {len(ranges)} ranges; taken as one window "
                       f"{lower}-{upper} keV")
        name = str(item.get("EnergyWindowName", "") or f"window {number}")
        if name in names:
            notes.warn(f"{where}.EnergyWindowName {name!r} repeats; renamed {name} ({number})")
            name = f"{name} ({number})"
        names.append(name)
        windows.append(EnergyWindow(name, lower, upper))
    return tuple(windows)


def read_isotope(dataset: Dataset, notes: Notes) -> str | None:
    """The radionuclide (``"Ho-166"``) named in RadiopharmaceuticalInformationSequence."""
    for item in dataset.get("RadiopharmaceuticalInformationSequence") or []:
        for code in item.get("RadionuclideCodeSequence") or []:
            meaning = str(code.get("CodeMeaning", ""))
            name = isotope_from_code_meaning(meaning)
            if name is None:
                notes.warn(f"RadionuclideCodeSequence CodeMeaning {meaning!r} is not a CID 18 "
                           "isotope; kept as written")
                return meaning or None
            return name
    return None


def energy_window_sequence(windows: Sequence[EnergyWindow]) -> DicomSequence:
    """EnergyWindowInformationSequence for ``windows`` (names checked: SH, unique)."""
    items = []
    names = [w.name for w in windows]
    for number, window in enumerate(windows):
        if not window.name or len(window.name) > 16 or names.count(window.name) > 1:
            raise InvalidValueError(
                field=f"windows[{number}].name", value=window.name,
                expected="a unique name of 1 to 16 characters (EnergyWindowName is SH)",
            )
        limits = Dataset()
        limits.EnergyWindowLowerLimit = fmt_ds(window.lower_kev)
        limits.EnergyWindowUpperLimit = fmt_ds(window.upper_kev)
        item = Dataset()
        item.EnergyWindowName = window.name
        item.EnergyWindowRangeSequence = DicomSequence([limits])
        items.append(item)
    return DicomSequence(items)


def radiopharmaceutical_sequence(isotope: str | None) -> DicomSequence:
    """RadiopharmaceuticalInformationSequence naming ``isotope`` by its CID 18 code."""
    if isotope is None:
        return DicomSequence([])
    item = Dataset()
    item.RadionuclideCodeSequence = DicomSequence([code_item(isotope_code(isotope))])
    return DicomSequence([item])


def read_spacing_and_start(
    dataset: Dataset, source: str, notes: Notes, *, assume_timezone: tzinfo | str
) -> tuple[tuple[float, float], datetime]:
    """PixelSpacing (row, column; mm) and the acquisition start of an NM acquisition file."""
    spacing = dataset.get("PixelSpacing")
    if spacing is None or len(spacing) != 2:
        raise DicomFormatError(field="PixelSpacing", value=spacing,
                               expected="the detector pixel size (row, column) in mm",
                               source=source)
    start = dicom_datetime(dataset, assume_timezone=assume_timezone, notes=notes)
    if start is None:
        raise DicomFormatError(field="AcquisitionDate", value=None,
                               expected="the acquisition date and time", source=source)
    return (float(spacing[0]), float(spacing[1])), start


def frame_duration_ms(projections: Projections) -> int:
    """``frame_duration_s`` as the whole milliseconds of ActualFrameDuration (IS, in ms)."""
    milliseconds = projections.frame_duration_s * MS_PER_S
    if abs(milliseconds - round(milliseconds)) > 1e-6:
        raise InvalidValueError(
            field="frame_duration_s", value=projections.frame_duration_s,
            expected="a whole number of milliseconds (ActualFrameDuration is IS, in ms)",
        )
    return round(milliseconds)


def nm_acquisition_dataset(
    projections: Projections, *, image_type: str, study: StudyInfo | None,
    series_instance_uid: str, series_number: int, series_description: str,
    creation_datetime: datetime | None,
) -> Dataset:
    """The NM Image dataset of an acquisition (``image_type`` TOMO or STATIC): SOP common, study
    and series, acquisition date and time, frame of reference and patient orientation."""
    start = projections.acquisition_start
    dataset = base_dataset(
        sop_class_uid=NuclearMedicineImageStorage, modality="NM", study=study or StudyInfo(),
        series_instance_uid=series_instance_uid, series_number=series_number,
        series_description=series_description, content_datetime=start,
        creation_datetime=creation_datetime,
    )
    dataset.ImageType = ["ORIGINAL", "PRIMARY", image_type, "EMISSION"]
    dataset.AcquisitionDate = start.strftime("%Y%m%d")
    dataset.AcquisitionTime = start.strftime("%H%M%S.%f")
    if projections.frame_of_reference_uid:
        dataset.FrameOfReferenceUID = projections.frame_of_reference_uid
        dataset.PositionReferenceIndicator = ""
    set_nm_patient_orientation(dataset)
    return dataset
