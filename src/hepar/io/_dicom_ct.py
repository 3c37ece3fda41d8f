"""CT series <-> :class:`~hepar.imaging.Volume` in Hounsfield units (CT Image Storage)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, generate_uid

from hepar.errors import DicomFormatError, InvalidValueError, UnitMismatchError
from hepar.imaging import Volume, VolumeUnit, new_frame_of_reference_uid

from ._dicom_common import fmt_ds, fmt_ds_list, reading, strictly
from ._dicom_series import SliceStack, scan_series
from ._dicom_time import dicom_datetime, format_timezone_offset, require_aware
from ._dicom_write import StudyInfo, base_dataset, save_atomically

__all__ = ["CT_RESCALE_INTERCEPT_HU", "read_ct_series", "series_metadata", "write_ct_series"]

#: Rescale intercept written with int16 stored values: HU = stored + intercept, so -1024 HU (air
#: below the water scale) is stored as 0 and every HU from -33792 to 31743 fits.
CT_RESCALE_INTERCEPT_HU = -1024


def series_metadata(stack: SliceStack) -> dict[str, Any]:
    """Facts about a series kept in ``Volume.metadata`` (UIDs let RTSTRUCT/SEG reference it)."""
    first = stack.datasets[0]
    return {
        "source": str(stack.folder),
        "modality": str(first.get("Modality", "")),
        "sop_class_uid": str(first.get("SOPClassUID", "")),
        "study_instance_uid": str(first.get("StudyInstanceUID", "")),
        "series_instance_uid": stack.series_instance_uid,
        "sop_instance_uids": tuple(str(d.get("SOPInstanceUID", "")) for d in stack.datasets),
        "series_description": str(first.get("SeriesDescription", "")),
        "manufacturer": str(first.get("Manufacturer", "")),
        "patient_position": str(first.get("PatientPosition", "")),
        "patient_id": str(first.get("PatientID", "")),
    }


def _frame_of_reference(stack: SliceStack) -> str:
    uids = {str(d.get("FrameOfReferenceUID", "") or "") for d in stack.datasets}
    if len(uids) > 1:
        raise DicomFormatError(
            field="FrameOfReferenceUID", value=sorted(uids),
            expected="one frame of reference for the whole series", source=str(stack.folder),
        )
    uid = uids.pop()
    if not uid:
        uid = new_frame_of_reference_uid()
        stack.notes.warn(f"FrameOfReferenceUID missing; a new one ({uid}) was made")
    return uid


@reading("CT series")
def read_ct_series(
    folder: str | Path, *, series_uid: str | None = None, assume_timezone: tzinfo | str = "UTC"
) -> Volume:
    """Read a folder of CT slices into a volume in HU.

    Slices are sorted by position along the normal of ImageOrientationPatient (so the slice axis
    of the returned affine is row x column, right-handed), RescaleSlope and RescaleIntercept are
    applied per slice, and FrameOfReferenceUID is kept.

    Parameters
    ----------
    folder
        The series folder.
    series_uid
        SeriesInstanceUID to read when the folder holds more than one series.
    assume_timezone
        Zone of AcquisitionDate/Time when TimezoneOffsetFromUTC is absent (noted).

    Returns
    -------
    Volume
        ``float32`` values in ``"HU"``; ``metadata`` holds the study, series and SOP instance UIDs,
        ``acquisition_start`` (ISO 8601) and the ``warnings`` raised while reading.

    Raises
    ------
    DicomFormatError, GeometryError
        See :func:`scan_series`; also a series that is not CT (``Modality``).
    """
    stack = scan_series(folder, series_uid=series_uid)
    slices = []
    for path, dataset in zip(stack.paths, stack.datasets, strict=True):
        modality = str(dataset.get("Modality", ""))
        if modality != "CT":
            raise DicomFormatError(
                field="Modality", value=modality, expected="'CT' in a CT series", source=str(path)
            )
        if "PixelData" not in dataset:
            raise DicomFormatError(
                field="PixelData", value=None, expected="pixel data in every slice",
                source=str(path),
            )
        slope = float(dataset.get("RescaleSlope", 1) or 1)
        intercept = float(dataset.get("RescaleIntercept", 0) or 0)
        slices.append(dataset.pixel_array.astype(np.float32) * np.float32(slope)
                      + np.float32(intercept))
    metadata = series_metadata(stack)
    start = dicom_datetime(stack.datasets[0], prefixes=("Acquisition",),
                           assume_timezone=assume_timezone, notes=stack.notes)
    metadata["acquisition_start"] = start.isoformat() if start else None
    metadata["warnings"] = list(stack.notes)
    return Volume(np.stack(slices), stack.affine, VolumeUnit.HU, _frame_of_reference(stack),
                  metadata)


def _stored_values(volume: Volume) -> np.ndarray[Any, np.dtype[np.int16]]:
    values = np.asarray(volume.array, dtype=float)
    if not np.all(np.isfinite(values)):
        raise InvalidValueError(
            field="volume.array", value="NaN or infinite HU", expected="finite Hounsfield units"
        )
    stored = np.rint(values) - CT_RESCALE_INTERCEPT_HU
    low, high = np.iinfo(np.int16).min, np.iinfo(np.int16).max
    if stored.min() < low or stored.max() > high:
        raise InvalidValueError(
            field="volume.array", value=(float(values.min()), float(values.max())),
            expected=f"HU between {low + CT_RESCALE_INTERCEPT_HU} and "
            f"{high + CT_RESCALE_INTERCEPT_HU} (int16 with RescaleIntercept "
            f"{CT_RESCALE_INTERCEPT_HU})",
        )
    return stored.astype(np.int16)


def _slice_dataset(
    volume: Volume, stored: np.ndarray[Any, np.dtype[np.int16]], k: int, common: dict[str, Any]
) -> Dataset:
    dataset = base_dataset(sop_class_uid=CTImageStorage, modality="CT", instance_number=k + 1,
                           **common["base"])
    direction = volume.direction
    dz, dy, dx = volume.spacing_mm
    dataset.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    dataset.FrameOfReferenceUID = volume.frame_of_reference_uid
    dataset.PositionReferenceIndicator = ""
    dataset.PatientPosition = common["patient_position"]
    dataset.KVP = ""
    dataset.AcquisitionNumber = 1
    acquired: datetime | None = common["acquisition_datetime"]
    if acquired is not None:
        dataset.AcquisitionDate = acquired.strftime("%Y%m%d")
        dataset.AcquisitionTime = acquired.strftime("%H%M%S.%f")
        dataset.TimezoneOffsetFromUTC = format_timezone_offset(acquired)
    position = volume.world_mm((k, 0, 0))
    dataset.ImagePositionPatient = fmt_ds_list(position)
    dataset.ImageOrientationPatient = fmt_ds_list(
        np.concatenate([direction[:, 2], direction[:, 1]])
    )
    normal = np.cross(direction[:, 2], direction[:, 1])
    dataset.SliceLocation = fmt_ds(float(position @ normal))
    dataset.SliceThickness = fmt_ds(dz)
    dataset.PixelSpacing = fmt_ds_list((dy, dx))
    dataset.RescaleIntercept = fmt_ds(CT_RESCALE_INTERCEPT_HU)
    dataset.RescaleSlope = "1"
    dataset.RescaleType = "HU"
    dataset.set_pixel_data(stored[k], "MONOCHROME2", 16, generate_instance_uid=False)
    return dataset


@strictly
def write_ct_series(
    volume: Volume,
    folder: str | Path,
    *,
    study: StudyInfo | None = None,
    series_description: str = "CT",
    series_number: int = 1,
    series_instance_uid: str | None = None,
    acquisition_datetime: datetime | None = None,
    creation_datetime: datetime | None = None,
    patient_position: str = "HFS",
) -> list[Path]:
    """Write a HU volume as a CT series, one CT Image Storage file per slice.

    Values are rounded to whole HU and stored as int16 with RescaleSlope 1 and RescaleIntercept
    ``CT_RESCALE_INTERCEPT_HU``, so a round trip keeps values within 0.5 HU; positions and
    spacings are written as 16-character decimal strings (about 1e-10 mm).

    Parameters
    ----------
    volume
        Values in ``"HU"``; its frame of reference becomes the series'.
    folder
        A new or empty folder; the files appear together or not at all.
    study
        Patient and study attributes (share one ``StudyInfo`` across a session's objects).
    series_instance_uid
        The series' UID (a new one if not given). Slice *k* gets InstanceNumber *k* and a SOP
        Instance UID derived from the series UID and *k* (a ``2.25`` name-based UUID), so the
        same volume written with the same series UID and times gives identical files.
    acquisition_datetime
        Timezone-aware AcquisitionDate/Time, if known; also Content and Series date and time.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time (the time of writing if not given).
    patient_position
        PatientPosition (``"HFS"``: head first, supine).

    Returns
    -------
    list of Path
        The files written, in slice order.

    Raises
    ------
    UnitMismatchError
        The volume is not in HU.
    InvalidValueError
        HU outside the int16 range, a non-empty target folder, a naive datetime.
    """
    if volume.unit is not VolumeUnit.HU:
        raise UnitMismatchError(
            field="volume.unit", value=volume.unit.value,
            expected="'HU' (CT Image Storage holds Hounsfield units)",
        )
    require_aware("acquisition_datetime", acquisition_datetime)
    require_aware("creation_datetime", creation_datetime)
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidValueError(
            field="folder", value=str(folder),
            expected="a new or empty folder (hepar never mixes two series in one folder)",
        )
    stored = _stored_values(volume)
    common = {
        "base": {
            "study": study or StudyInfo(),
            "series_instance_uid": series_instance_uid or generate_uid(),
            "series_number": series_number,
            "series_description": series_description,
            "content_datetime": acquisition_datetime,
            "creation_datetime": creation_datetime or datetime.now(UTC),
        },
        "patient_position": patient_position,
        "acquisition_datetime": acquisition_datetime,
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.hepar-", dir=folder.parent))
    try:
        names = []
        for k in range(volume.shape[0]):
            name = f"CT_{k + 1:04d}.dcm"
            save_atomically(_slice_dataset(volume, stored, k, common), staging / name)
            names.append(name)
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
        raise
    return [folder / name for name in names]
