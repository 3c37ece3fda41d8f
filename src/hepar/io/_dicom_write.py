"""Building and saving the DICOM objects hepar writes: the study context, the common modules
(SOP Common, Patient, General Study, Series, Equipment), code items, multi-frame geometry and an
atomic save."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from hepar import __version__
from hepar.errors import InvalidValueError

from ._dicom_common import fmt_ds_list, strict_writing
from ._dicom_time import format_timezone_offset, require_aware
from ._dicom_uids import sop_instance_uid

__all__ = [
    "IMPLEMENTATION_VERSION_NAME",
    "StudyInfo",
    "base_dataset",
    "code_item",
    "orientation_values",
    "save_atomically",
    "set_nm_patient_orientation",
]

#: Implementation Version Name (SH, at most 16 characters) written into the file meta header.
IMPLEMENTATION_VERSION_NAME = f"HEPAR_{__version__}"[:16]


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
        require_aware("study_datetime", self.study_datetime)


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
    creation_datetime: datetime | None = None,
) -> Dataset:
    """A data set with file meta, SOP Common, Patient, General Study, Series and Equipment.

    The SOP Instance UID is derived from the series UID and ``instance_number``
    (:func:`~hepar.io._dicom_uids.sop_instance_uid`). ``creation_datetime`` (aware) sets
    InstanceCreationDate/Time (now if not given); ``content_datetime`` (aware) sets Content and
    Series date and time (the creation time if not given). All dates and times are written at
    the UTC offset of the content time, named once by TimezoneOffsetFromUTC.
    """
    if not study.patient_id:
        raise InvalidValueError(field="study.patient_id", value=study.patient_id,
                                expected="a non-empty ID")
    for name, text, limit, vr in (
        ("study.patient_id", study.patient_id, 64, "LO"),
        ("study.patient_name", study.patient_name, 64, "PN"),
        ("study.study_id", study.study_id, 16, "SH"),
        ("study.accession_number", study.accession_number, 16, "SH"),
        ("study.study_description", study.study_description, 64, "LO"),
        ("series_description", series_description, 64, "LO"),
    ):
        if len(text) > limit:
            raise InvalidValueError(field=name, value=text,
                                    expected=f"at most {limit} characters (DICOM {vr})")
    require_aware("content_datetime", content_datetime)
    require_aware("creation_datetime", creation_datetime)
    created = creation_datetime or datetime.now(UTC)
    when = content_datetime or created
    # one fixed offset for every date and time of the object (TimezoneOffsetFromUTC names it)
    zone = timezone(when.utcoffset() or timedelta(0))
    when, created = when.astimezone(zone), created.astimezone(zone)
    study_when = (study.study_datetime or when).astimezone(zone)
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = UID(sop_class_uid)
    instance_uid = UID(sop_instance_uid(series_instance_uid, instance_number))
    dataset.file_meta.MediaStorageSOPInstanceUID = instance_uid
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.file_meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    dataset.SpecificCharacterSet = "ISO_IR 192"
    dataset.SOPClassUID = sop_class_uid
    dataset.SOPInstanceUID = instance_uid
    dataset.InstanceCreationDate = created.strftime("%Y%m%d")
    dataset.InstanceCreationTime = created.strftime("%H%M%S")
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
