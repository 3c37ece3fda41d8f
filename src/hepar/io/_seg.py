"""Regions of interest <-> DICOM Segmentation (PS3.3 A.51), through highdicom.

One segment per mask; the segmentation is encoded from the masks' grid (a highdicom Volume, so
frames carry their own positions) and references the source image series: the datasets given,
or headers rebuilt from the grid's ``metadata`` when it was read from a DICOM series.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import CTImageStorage, generate_uid

from hepar import __version__
from hepar.errors import DicomFormatError, GeometryError, InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit, resample_to

from ._dicom_common import check_pixel_data, fmt_ds, fmt_ds_list, reading, strictly
from ._dicom_time import format_dicom_datetime, format_timezone_offset, require_aware
from ._dicom_uids import derived_uid, sop_instance_uid
from ._dicom_write import StudyInfo, save_atomically
from ._rtstruct import study_of

__all__ = ["read_seg", "write_seg"]

#: Segmented property types for region names hepar uses (SNOMED CT, PS3.16 CID 7151/7166).
_PROPERTY_OF_NAME: dict[str, tuple[Code, Code]] = {
    "liver": (codes.SCT.AnatomicalStructure, codes.SCT.Liver),
    "lung": (codes.SCT.AnatomicalStructure, codes.SCT.Lung),
    "lungs": (codes.SCT.AnatomicalStructure, codes.SCT.Lung),
    "kidney": (codes.SCT.AnatomicalStructure, codes.SCT.Kidney),
    "kidneys": (codes.SCT.AnatomicalStructure, codes.SCT.Kidney),
    "spleen": (codes.SCT.AnatomicalStructure, codes.SCT.Spleen),
    "lesion": (codes.cid7150.MorphologicallyAbnormalStructure, codes.SCT.Lesion),
    "tumour": (codes.cid7150.MorphologicallyAbnormalStructure, codes.SCT.Neoplasm),
    "tumor": (codes.cid7150.MorphologicallyAbnormalStructure, codes.SCT.Neoplasm),
}


def _property(name: str) -> tuple[Code, Code]:
    key = name.lower().strip()
    for prefix, codes_ in _PROPERTY_OF_NAME.items():
        if key == prefix or key.startswith(prefix + " "):
            return codes_
    return codes.SCT.Tissue, codes.SCT.Tissue


def _source_headers(grid: Volume, study: StudyInfo, seg_series_uid: str) -> list[Dataset]:
    """Image headers (no pixels) of the grid's series: its own UIDs when known, else UIDs
    derived from the segmentation's series UID."""
    metadata = grid.metadata
    uids = metadata.get("sop_instance_uids") or ()
    if len(uids) != grid.shape[0]:
        uids = [derived_uid(seg_series_uid, "source instance", k + 1)
                for k in range(grid.shape[0])]
    series_uid = str(metadata.get("series_instance_uid")
                     or derived_uid(seg_series_uid, "source series"))
    direction = grid.direction
    headers = []
    for k, uid in enumerate(uids):
        header = Dataset()
        header.SOPClassUID = str(metadata.get("sop_class_uid") or CTImageStorage)
        header.SOPInstanceUID = str(uid)
        header.StudyInstanceUID = study.study_instance_uid
        header.SeriesInstanceUID = series_uid
        header.PatientID = study.patient_id
        header.PatientName = study.patient_name
        header.PatientBirthDate = ""
        header.PatientSex = ""
        header.StudyID = study.study_id
        header.StudyDate = ""
        header.StudyTime = ""
        header.AccessionNumber = study.accession_number
        header.ReferringPhysicianName = ""
        header.Modality = str(metadata.get("modality") or "CT")
        header.FrameOfReferenceUID = grid.frame_of_reference_uid
        header.ImagePositionPatient = fmt_ds_list(grid.world_mm((k, 0, 0)))
        header.ImageOrientationPatient = fmt_ds_list(
            np.concatenate([direction[:, 2], direction[:, 1]])
        )
        header.PixelSpacing = fmt_ds_list(grid.spacing_mm[1:])
        header.SliceThickness = fmt_ds(grid.spacing_mm[0])
        header.Rows, header.Columns = grid.shape[1], grid.shape[2]
        header.SamplesPerPixel = 1
        header.PhotometricInterpretation = "MONOCHROME2"
        header.BitsAllocated = 16
        header.BitsStored = 16
        header.HighBit = 15
        header.PixelRepresentation = 1
        headers.append(header)
    return headers


@strictly
def write_seg(
    masks: Sequence[Mask],
    path: str | Path,
    *,
    source_images: Sequence[Dataset] | None = None,
    study: StudyInfo | None = None,
    fractional: bool = False,
    series_description: str = "Segmentation",
    series_number: int = 6,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write masks as one DICOM Segmentation (highdicom), one segment per mask.

    Parameters
    ----------
    masks
        Regions on one common grid, with unique names (SegmentLabel, at most 64 characters).
    path
        File to write (replaced atomically).
    source_images
        Headers of the images segmented (pixel data not needed). By default they are rebuilt
        from the grid: its DICOM UIDs when it was read by :func:`read_ct_series`, else new ones.
    study
        Patient and study when ``source_images`` is not given (default: the grid's study).
    fractional
        ``False``: BINARY segments of the voxels with occupancy >= 0.5 (exact round trip).
        ``True``: FRACTIONAL OCCUPANCY in 1/255 steps (round trip within 1/510).
    series_instance_uid
        The series' UID (a new one if not given). The SOP Instance UID, the Dimension
        Organization UID and any source image UIDs that have to be made up are derived from
        it, so the same masks written with the same series UID and ``creation_datetime`` give
        identical files.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time, Content and Series date and time and the
        ContributionDateTime of the contributing equipment highdicom records (the time of
        writing if not given).

    Raises
    ------
    InvalidValueError
        No masks, duplicate or over-long names, a naive ``creation_datetime``.
    GeometryError
        Masks on different grids.
    """
    import highdicom as hd  # imported here: 0.3 s that the rest of hepar should not pay

    require_aware("creation_datetime", creation_datetime)
    if not masks:
        raise InvalidValueError(field="masks", value=[], expected="at least one mask")
    names = [m.name for m in masks]
    for name in names:
        if not name or len(name) > 64 or names.count(name) > 1:
            raise InvalidValueError(field="mask name", value=name,
                                    expected="unique segment labels of 1 to 64 characters")
    series_uid = series_instance_uid or generate_uid()
    created = creation_datetime or datetime.now(UTC)
    created = created.astimezone(timezone(created.utcoffset() or timedelta(0)))
    grid = masks[0].grid
    for mask in masks[1:]:
        if not mask.grid.same_grid(grid):
            raise GeometryError(field=f"mask {mask.name!r} grid", value=repr(mask.grid),
                                expected=f"the grid of mask {masks[0].name!r}: {grid!r}")
    headers = list(source_images) if source_images is not None else _source_headers(
        grid, study or study_of(grid) or StudyInfo(), series_uid)
    stack = np.stack([m.fraction if fractional else m.boolean for m in masks], axis=-1)
    volume = hd.Volume(stack if fractional else stack.astype(np.uint8), grid.affine, "PATIENT",
                       frame_of_reference_uid=grid.frame_of_reference_uid,
                       channels={"SegmentNumber": list(range(1, len(masks) + 1))})
    algorithm = hd.AlgorithmIdentificationSequence(
        name="hepar", version=__version__, family=codes.cid7162.ArtificialIntelligence)
    descriptions = []
    for number, mask in enumerate(masks, start=1):
        category, kind = _property(mask.name)
        descriptions.append(hd.seg.SegmentDescription(
            segment_number=number, segment_label=mask.name,
            segmented_property_category=category, segmented_property_type=kind,
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=algorithm,
        ))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # highdicom notes about optional attributes
        segmentation = hd.seg.Segmentation(
            source_images=headers, pixel_array=volume,
            segmentation_type="FRACTIONAL" if fractional else "BINARY",
            segment_descriptions=descriptions,
            series_instance_uid=series_uid, series_number=series_number,
            sop_instance_uid=sop_instance_uid(series_uid, 1), instance_number=1,
            manufacturer="hepar", manufacturer_model_name="hepar",
            software_versions=__version__, device_serial_number="",
            fractional_type="OCCUPANCY" if fractional else None,
            series_description=series_description,
            content_date=created.strftime("%Y%m%d"), content_time=created.strftime("%H%M%S"),
            series_date=created.strftime("%Y%m%d"), series_time=created.strftime("%H%M%S"),
        )
    _set_write_time_values(segmentation, series_uid, created)
    return save_atomically(segmentation, path)


def _set_write_time_values(segmentation: Dataset, series_uid: str, created: datetime) -> None:
    """Replace what highdicom draws or stamps while building the object (InstanceCreationDate/
    Time from its clock, a fresh DimensionOrganizationUID, ContributionDateTime) with values
    derived from the series UID and ``created``: same inputs, same file."""
    segmentation.InstanceCreationDate = created.strftime("%Y%m%d")
    segmentation.InstanceCreationTime = created.strftime("%H%M%S")
    segmentation.TimezoneOffsetFromUTC = format_timezone_offset(created)
    dimension_uids: dict[str, str] = {}
    for keyword in ("DimensionOrganizationSequence", "DimensionIndexSequence"):
        for item in segmentation.get(keyword) or []:
            if "DimensionOrganizationUID" in item:
                old = str(item.DimensionOrganizationUID)
                new = dimension_uids.setdefault(old, derived_uid(
                    series_uid, "dimension organization", len(dimension_uids) + 1))
                item.DimensionOrganizationUID = new
    for item in segmentation.get("ContributingEquipmentSequence") or []:
        if "ContributionDateTime" in item:
            item.ContributionDateTime = format_dicom_datetime(created)


def _embed(mask_volume: Volume, reference: Volume) -> np.ndarray[Any, Any] | None:
    """The occupancy on ``reference`` when the mask's grid is a sub-grid of it, else None."""
    if mask_volume.frame_of_reference_uid != reference.frame_of_reference_uid:
        return None
    if not np.allclose(mask_volume.affine[:3, :3], reference.affine[:3, :3], atol=1e-4):
        return None
    corner = reference.index_of(mask_volume.origin_lps_mm)
    start = np.rint(corner).astype(int)
    stop = start + np.asarray(mask_volume.shape)
    if np.abs(corner - start).max() > 1e-3 or start.min() < 0 or np.any(
            stop > np.asarray(reference.shape)):
        return None
    occupancy = np.zeros(reference.shape, dtype=mask_volume.array.dtype)
    occupancy[start[0]:stop[0], start[1]:stop[1], start[2]:stop[2]] = mask_volume.array
    return occupancy


@reading("DICOM Segmentation (SEG) file")
def read_seg(
    path: str | Path, reference: Volume, *, names: Sequence[str] | None = None
) -> dict[str, Mask]:
    """Read the segments of a DICOM Segmentation as masks on the grid of ``reference``.

    A segmentation whose frames lie on ``reference``'s grid (or a part of it) is placed voxel
    for voxel; any other grid is resampled with :func:`hepar.imaging.resample_to` (fractional
    occupancy).

    Returns
    -------
    dict of str to Mask
        By SegmentLabel, in segment order.

    Raises
    ------
    DicomFormatError
        Not a readable Segmentation, or frames that do not form a regular volume.
    GeometryError
        Another frame of reference.
    InvalidValueError
        A name in ``names`` the file does not have.
    """
    import highdicom as hd  # imported here: 0.3 s that the rest of hepar should not pay

    source = str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            segmentation = hd.seg.segread(source)
        check_pixel_data(segmentation, source)
    except DicomFormatError:
        raise
    except Exception as error:
        raise DicomFormatError(field="file", value=type(error).__name__,
                               expected="a DICOM Segmentation (SEG) file",
                               source=source) from error
    frame = str(segmentation.get("FrameOfReferenceUID", ""))
    if frame != reference.frame_of_reference_uid:
        raise GeometryError(field="FrameOfReferenceUID", value=frame,
                            expected=f"{reference.frame_of_reference_uid} (the reference grid's);"
                            " register first", source=source)
    labels = {int(d.SegmentNumber): str(d.SegmentLabel) for d in segmentation.SegmentSequence}
    wanted = list(labels.values()) if names is None else list(names)
    missing = set(wanted) - set(labels.values())
    if missing:
        raise InvalidValueError(field="names", value=sorted(missing),
                                expected=f"segment labels in the file: {list(labels.values())}",
                                source=source)
    numbers = [n for n, label in labels.items() if label in wanted]
    try:
        volume = segmentation.get_volume(segment_numbers=numbers, combine_segments=False)
    except (ValueError, RuntimeError) as error:
        raise DicomFormatError(field="PerFrameFunctionalGroupsSequence", value=str(error),
                               expected="frames forming one regular volume",
                               source=source) from error
    masks: dict[str, Mask] = {}
    for channel, number in enumerate(numbers):
        grid = Volume(np.asarray(volume.array[..., channel], dtype=float), volume.affine,
                      VolumeUnit.FRACTION, frame)
        occupancy = _embed(grid, reference)
        name = labels[number]
        if occupancy is not None:
            masks[name] = Mask.on_grid_of(name, reference, occupancy)
        else:
            masks[name] = resample_to(Mask(name, grid), reference, method="fractional")
    return masks
