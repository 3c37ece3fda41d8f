"""What every DICOM reader and writer in hepar shares: reading a file, the study context, UIDs,
dates and times, number formatting, orientation, atomic saving and the warnings record.

Reading is lenient (a file without the Part 10 preamble is accepted if it is a DICOM data set;
oddities are warned as :class:`~hepar.errors.HeparWarning` and recorded); writing is strict (values
that DICOM cannot hold exactly raise before anything is written; files appear atomically).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pydicom
from numpy.typing import ArrayLike, NDArray
from pydicom import config as pydicom_config
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence as DicomSequence
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid
from pydicom.valuerep import format_number_as_ds

from hepar import __version__
from hepar.errors import DicomFormatError, GeometryError, HeparWarning, InvalidValueError

__all__ = [
    "IMPLEMENTATION_VERSION_NAME",
    "ORIENTATION_TOLERANCE",
    "Notes",
    "StudyInfo",
    "as_timezone",
    "base_dataset",
    "code_item",
    "dicom_datetime",
    "fmt_ds",
    "fmt_ds_list",
    "format_timezone_offset",
    "orientation_from_iop",
    "orientation_values",
    "read_dataset",
    "save_atomically",
    "set_nm_patient_orientation",
    "strict_writing",
]

#: Largest deviation from unit length or orthogonality accepted in ImageOrientationPatient.
ORIENTATION_TOLERANCE = 1e-4
#: Implementation Version Name (SH, at most 16 characters) written into the file meta header.
IMPLEMENTATION_VERSION_NAME = f"HEPAR_{__version__}"[:16]


class Notes(list[str]):
    """Warnings raised while reading a file, kept so they can be recorded in ``metadata``.

    Each note is also issued as a :class:`~hepar.errors.HeparWarning` (lenient reading: warn and
    record, STYLE.md habit 7).
    """

    def __init__(self, source: str | Path) -> None:
        super().__init__()
        self.source = str(source)

    def warn(self, message: str) -> None:
        """Record ``message`` and issue it as a :class:`HeparWarning` naming the file."""
        text = f"{self.source}: {message}"
        self.append(text)
        warnings.warn(text, HeparWarning, stacklevel=3)


@dataclass(frozen=True)
class StudyInfo:
    """Patient and study attributes shared by all objects hepar writes for one study.

    Parameters
    ----------
    patient_id, patient_name
        DICOM PatientID (LO) and PatientName (PN). Virtual patients only: hepar holds no
        patient data.
    study_instance_uid
        The study's UID; a new one if not given. Pass the same ``StudyInfo`` to every writer of
        one session so that CT, SPECT, RT Dose and structures land in one study.
    study_datetime
        Study date and time (timezone-aware); the time of writing if not given.
    study_id, accession_number, study_description
        Other General Study attributes.
    """

    patient_id: str = "HEPAR-VIRTUAL"
    patient_name: str = "Virtual^Patient"
    study_instance_uid: str = field(default_factory=generate_uid)
    study_datetime: datetime | None = None
    study_id: str = "1"
    accession_number: str = ""
    study_description: str = "HEPAR PLUS"

    def __post_init__(self) -> None:
        if self.study_datetime is not None and self.study_datetime.tzinfo is None:
            raise InvalidValueError(
                field="study_datetime", value=self.study_datetime.isoformat(),
                expected="a timezone-aware datetime",
            )


@contextlib.contextmanager
def strict_writing() -> Iterator[None]:
    """Within the block, pydicom raises on values its VR cannot hold (scoped, then restored)."""
    previous = pydicom_config.settings.writing_validation_mode
    pydicom_config.settings.writing_validation_mode = pydicom_config.RAISE
    try:
        yield
    except ValueError as error:
        if isinstance(error, InvalidValueError):
            raise
        raise InvalidValueError(
            field="DICOM attribute", value=str(error), expected="a value its VR can hold"
        ) from error
    finally:
        pydicom_config.settings.writing_validation_mode = previous


def read_dataset(path: str | Path, *, stop_before_pixels: bool = False) -> Dataset:
    """Read one DICOM file, leniently.

    A file without the Part 10 preamble and meta header is still accepted when it parses as a
    data set with a SOP Class UID (older exports, e.g. pydicom's ``rtstruct.dcm``).

    Raises
    ------
    DicomFormatError
        The file is missing, unreadable or not DICOM; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise DicomFormatError(
            field="path", value=str(path), expected="an existing DICOM file", source=str(path)
        )
    try:
        return pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
    except InvalidDicomError:
        pass
    except Exception as error:  # truncated or corrupt files raise many different errors
        raise DicomFormatError(
            field="file", value=type(error).__name__, expected="a readable DICOM file",
            source=str(path),
        ) from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels, force=True)
        sop_class = dataset.get("SOPClassUID")
    except Exception:
        sop_class = None
    if not sop_class:
        raise DicomFormatError(
            field="file", value="no DICOM preamble and no SOPClassUID",
            expected="a DICOM file (PS3.10 'DICM' prefix or a data set with a SOP Class UID)",
            source=str(path),
        )
    return dataset


def fmt_ds(value: float) -> str:
    """Format ``value`` for a DS (decimal string) element: at most 16 characters.

    Examples
    --------
    >>> fmt_ds(-158.13580312345678)
    '-158.13580312346'
    """
    number = float(value)
    if not np.isfinite(number):
        raise InvalidValueError(field="DS value", value=number, expected="a finite number")
    return str(format_number_as_ds(number + 0.0))


def fmt_ds_list(values: ArrayLike) -> list[str]:
    """Format each value of ``values`` as a DS string."""
    return [fmt_ds(v) for v in np.asarray(values, dtype=float).ravel()]


def as_timezone(tz: tzinfo | str) -> tzinfo:
    """A ``tzinfo`` from itself or from an IANA name (``"Europe/Amsterdam"``) or ``"UTC"``."""
    if isinstance(tz, tzinfo):
        return tz
    if tz.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(tz)
    except Exception:
        raise InvalidValueError(
            field="assume_timezone", value=tz, expected="a tzinfo or an IANA zone name such as "
            "'Europe/Amsterdam'",
        ) from None


def format_timezone_offset(moment: datetime) -> str:
    """DICOM TimezoneOffsetFromUTC (``"+HHMM"``) of an aware datetime; whole minutes only."""
    offset = moment.utcoffset()
    if offset is None:
        raise InvalidValueError(
            field="datetime", value=moment.isoformat(), expected="a timezone-aware datetime"
        )
    seconds = int(offset.total_seconds())
    if seconds % 60:
        raise InvalidValueError(
            field="timezone offset", value=str(offset),
            expected="a whole number of minutes (DICOM TimezoneOffsetFromUTC is +HHMM)",
        )
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}{minutes:02d}"


_TZ_PATTERN = re.compile(r"^([+-])(\d{2})(\d{2})$")


def _parse_offset(text: str) -> timezone | None:
    match = _TZ_PATTERN.match(text.strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _parse_da(text: str) -> date | None:
    text = text.strip().replace(".", "")  # ACR-NEMA style YYYY.MM.DD seen in old files
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _parse_tm(text: str) -> time | None:
    text = text.strip().replace(":", "")
    match = re.match(r"^(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?$", text)
    if not match:
        return None
    hour, minute, second = (int(g) if g else 0 for g in match.groups()[:3])
    micro = int((match.group(4) or "0").ljust(6, "0"))
    try:
        return time(hour, minute, min(second, 59), micro)
    except ValueError:
        return None


def dicom_datetime(
    dataset: Dataset,
    *,
    prefixes: Sequence[str] = ("Acquisition", "Series", "Study"),
    assume_timezone: tzinfo | str,
    notes: Notes,
    note_fallback: bool = True,
) -> datetime | None:
    """The timezone-aware ``<prefix>Date``/``<prefix>Time`` of a data set (lenient).

    The first prefix with a readable date wins (``AcquisitionDateTime`` is tried first for
    ``"Acquisition"``); a fallback to a later prefix is noted if ``note_fallback``. The timezone is
    TimezoneOffsetFromUTC if present, else ``assume_timezone`` (noted).
    """
    offset_text = str(dataset.get("TimezoneOffsetFromUTC", "") or "")
    zone: tzinfo | None = _parse_offset(offset_text) if offset_text else None
    if offset_text and zone is None:
        notes.warn(f"TimezoneOffsetFromUTC = {offset_text!r} is not +HHMM; ignored")
    for number, prefix in enumerate(prefixes):
        moment: datetime | None = None
        if prefix == "Acquisition" and dataset.get("AcquisitionDateTime"):
            text = str(dataset.AcquisitionDateTime)
            match = re.match(r"^(\d{8})(\d{2,6}(?:\.\d{1,6})?)?([+-]\d{4})?$", text.strip())
            if match:
                day = _parse_da(match.group(1))
                clock = _parse_tm(match.group(2) or "000000")
                if day and clock:
                    moment = datetime.combine(day, clock)
                    if match.group(3):
                        zone = _parse_offset(match.group(3)) or zone
        if moment is None:
            day = _parse_da(str(dataset.get(f"{prefix}Date", "") or ""))
            clock = _parse_tm(str(dataset.get(f"{prefix}Time", "") or ""))
            if day is None:
                continue
            if clock is None:
                notes.warn(f"{prefix}Time missing or unreadable; midnight assumed")
                clock = time(0, 0)
            moment = datetime.combine(day, clock)
        if number and note_fallback:
            notes.warn(f"{prefixes[0]}Date/Time missing; {prefix}Date/Time used instead")
        if zone is None:
            zone = as_timezone(assume_timezone)
            notes.warn(
                f"TimezoneOffsetFromUTC missing; times taken as {getattr(zone, 'key', zone)} "
                "(pass assume_timezone= to change)"
            )
        return moment.replace(tzinfo=zone)
    return None


def orientation_from_iop(
    iop: Sequence[Any] | None, *, source: str, field: str = "ImageOrientationPatient"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Row and column direction cosines from ImageOrientationPatient, checked.

    Raises
    ------
    GeometryError
        Six values missing, not of unit length or not orthogonal (within
        ``ORIENTATION_TOLERANCE``); the message names the file and the field.
    """
    if iop is None or len(iop) != 6:
        raise GeometryError(
            field=field, value=None if iop is None else list(iop),
            expected="six direction cosines (row then column direction)", source=source,
        )
    values = np.asarray([float(v) for v in iop])
    row, col = values[:3], values[3:]
    if (
        abs(np.linalg.norm(row) - 1) > ORIENTATION_TOLERANCE
        or abs(np.linalg.norm(col) - 1) > ORIENTATION_TOLERANCE
        or abs(float(row @ col)) > ORIENTATION_TOLERANCE
    ):
        raise GeometryError(
            field=field, value=values.round(6).tolist(),
            expected="orthogonal unit row and column directions", source=source,
        )
    return row / np.linalg.norm(row), col / np.linalg.norm(col)


def orientation_values(
    affine: NDArray[np.float64], shape: tuple[int, int, int], values: NDArray[Any]
) -> tuple[list[str], list[str], float, NDArray[Any]]:
    """ImageOrientationPatient, ImagePositionPatient of the first frame, signed slice step along
    row x column, and the frames in file order, for a (z, y, x) array with ``affine``.

    Multi-frame objects (NM RECON TOMO, RT Dose) place frame *n* at the first frame's position
    plus *n* steps along the normal row x column; a volume whose slice axis points the other way
    is written last slice first, so that every step is positive.
    """
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    direction = affine[:3, :3] / spacing
    row, col, slice_axis = direction[:, 2], direction[:, 1], direction[:, 0]
    normal = np.cross(row, col)
    origin = affine[:3, 3]
    if float(normal @ slice_axis) < 0:
        origin = origin + (shape[0] - 1) * affine[:3, 0]
        values = values[::-1]
    iop = fmt_ds_list(np.concatenate([row, col]))
    return iop, fmt_ds_list(origin), float(spacing[0]), values


def base_dataset(
    *,
    sop_class_uid: str,
    modality: str,
    study: StudyInfo,
    series_instance_uid: str,
    series_number: int,
    series_description: str,
    instance_number: int = 1,
    content_datetime: datetime | None = None,
) -> Dataset:
    """A data set with file meta, SOP Common, Patient, General Study, Series and Equipment.

    ``content_datetime`` (aware) sets Content and Series date and time (now if not given); all
    dates and times are written in its timezone, named once by TimezoneOffsetFromUTC.
    """
    if not study.patient_id or len(study.patient_id) > 64:
        raise InvalidValueError(
            field="study.patient_id", value=study.patient_id, expected="1 to 64 characters (LO)"
        )
    if content_datetime is not None and content_datetime.tzinfo is None:
        raise InvalidValueError(
            field="content_datetime", value=content_datetime.isoformat(),
            expected="a timezone-aware datetime",
        )
    zone = content_datetime.tzinfo if content_datetime is not None else UTC
    now = datetime.now(zone)
    when = content_datetime or now
    study_when = (study.study_datetime or when).astimezone(zone)
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = UID(sop_class_uid)
    sop_instance_uid = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = sop_instance_uid
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    dataset.SpecificCharacterSet = "ISO_IR 192"
    dataset.SOPClassUID = sop_class_uid
    dataset.SOPInstanceUID = sop_instance_uid
    dataset.InstanceCreationDate = now.strftime("%Y%m%d")
    dataset.InstanceCreationTime = now.strftime("%H%M%S")
    dataset.TimezoneOffsetFromUTC = format_timezone_offset(when)
    # Patient
    dataset.PatientName = study.patient_name
    dataset.PatientID = study.patient_id
    dataset.PatientBirthDate = ""
    dataset.PatientSex = ""
    # General Study
    dataset.StudyInstanceUID = study.study_instance_uid
    dataset.StudyDate = study_when.strftime("%Y%m%d")
    dataset.StudyTime = study_when.strftime("%H%M%S")
    dataset.ReferringPhysicianName = ""
    dataset.StudyID = study.study_id
    dataset.AccessionNumber = study.accession_number
    dataset.StudyDescription = study.study_description
    # General Series
    dataset.Modality = modality
    dataset.SeriesInstanceUID = series_instance_uid
    dataset.SeriesNumber = series_number
    dataset.SeriesDescription = series_description
    dataset.SeriesDate = when.strftime("%Y%m%d")
    dataset.SeriesTime = when.strftime("%H%M%S")
    dataset.OperatorsName = ""
    # General Equipment
    dataset.Manufacturer = "hepar"
    dataset.ManufacturerModelName = "hepar"
    dataset.SoftwareVersions = __version__
    dataset.DeviceSerialNumber = ""
    # Instance
    dataset.InstanceNumber = instance_number
    dataset.ContentDate = when.strftime("%Y%m%d")
    dataset.ContentTime = when.strftime("%H%M%S")
    return dataset


def code_item(code: Code) -> Dataset:
    """One item of a Code Sequence (PS3.3 Table 8.8-1) for ``code``."""
    item = Dataset()
    item.CodeValue = code.value
    item.CodingSchemeDesignator = code.scheme_designator
    item.CodeMeaning = code.meaning
    return item


def set_nm_patient_orientation(dataset: Dataset) -> None:
    """NM/PET Patient Orientation Module: recumbent, supine, head first (CID 19, 20, 21)."""
    orientation = code_item(codes.SCT.Recumbent)
    orientation.PatientOrientationModifierCodeSequence = DicomSequence(
        [code_item(codes.SCT.Supine)]
    )
    dataset.PatientOrientationCodeSequence = DicomSequence([orientation])
    dataset.PatientGantryRelationshipCodeSequence = DicomSequence(
        [code_item(codes.SCT.Headfirst)]
    )


def save_atomically(dataset: Dataset, path: str | Path) -> Path:
    """Write ``dataset`` as a PS3.10 file; the file appears whole or not at all."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InvalidValueError(
            field="path", value=str(path), expected="a file in an existing folder"
        )
    handle, temporary = tempfile.mkstemp(prefix=".hepar-", suffix=".dcm", dir=path.parent)
    os.close(handle)
    try:
        with strict_writing():
            dataset.save_as(temporary, enforce_file_format=True)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    return path
