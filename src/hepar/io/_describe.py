"""What a file or a DICOM series folder holds, without the caller knowing its format.

This is what ``hepar info`` shows. Series folders and single CT slices are described from their
headers; NM, RT Dose and NIfTI files through their readers (so that what is described is what
hepar would read); RTSTRUCT and SEG by their regions and frame of reference.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pydicom.dataset import Dataset
from pydicom.uid import UID as DicomUID
from pydicom.uid import (
    NuclearMedicineImageStorage,
    RTDoseStorage,
    RTStructureSetStorage,
    SegmentationStorage,
)

from hepar.errors import DicomFormatError, FileFormatError, HeparWarning, InvalidValueError
from hepar.imaging import Volume, VolumeUnit
from hepar.spect import EnergyWindow

from ._dicom_common import Notes, check_pixel_data, orientation_from_iop, read_dataset, reading
from ._dicom_nm_recon import read_nm_reconstruction
from ._dicom_series import dicom_files, scan_series
from ._dicom_time import dicom_datetime
from ._nifti import load_nifti_header, read_nifti_data
from ._nm_common import NM_IMAGE_STORAGE_RETIRED, nm_image_type
from ._nm_projections_read import read_nm_projections
from ._nm_static import read_nm_static
from ._rtdose import read_rtdose

__all__ = ["FileDescription", "FileKind", "describe_path"]


class FileKind(StrEnum):
    """What a described path holds."""

    IMAGE_SERIES = "image_series"
    IMAGE = "image"
    NM_PROJECTIONS = "nm_projections"
    NM_RECONSTRUCTION = "nm_reconstruction"
    NM_STATIC = "nm_static"
    RT_DOSE = "rt_dose"
    RT_STRUCT = "rt_struct"
    SEG = "seg"
    NIFTI = "nifti"
    DICOM = "dicom"


@dataclass
class FileDescription:
    """A format-independent description of a file or series (the ``hepar info --json`` record).

    Fields that do not apply are None (or empty lists); see the README (hepar info) for each key.
    """

    path: str
    kind: FileKind
    modality: str | None = None
    sop_class: str | None = None
    shape: list[int] | None = None
    spacing_mm: list[float | None] | None = None
    origin_lps_mm: list[float] | None = None
    orientation: list[float] | None = None
    unit: str | None = None
    energy_windows: list[EnergyWindow] = field(default_factory=list)
    isotope: str | None = None
    acquisition_start: str | None = None
    frame_duration_s: float | None = None
    n_views: int | None = None
    n_detectors: int | None = None
    regions: list[str] = field(default_factory=list)
    frame_of_reference_uid: str | None = None
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    n_files: int | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data with every key present, in a stable order."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


def _rounded(values: ArrayLike, digits: int = 6) -> list[float]:
    return [round(float(v), digits) + 0.0 for v in np.ravel(values)]


def _volume_facts(volume: Volume) -> dict[str, Any]:
    direction = volume.direction
    return {
        "shape": list(volume.shape),
        "spacing_mm": _rounded(volume.spacing_mm),
        "origin_lps_mm": _rounded(volume.origin_lps_mm, 4),
        "orientation": _rounded(np.concatenate([direction[:, 2], direction[:, 1]])),
        "unit": volume.unit.value,
        "frame_of_reference_uid": volume.frame_of_reference_uid,
        "study_instance_uid": volume.metadata.get("study_instance_uid") or None,
        "series_instance_uid": volume.metadata.get("series_instance_uid") or None,
    }


def _header_facts(dataset: Dataset) -> dict[str, Any]:
    sop_class = str(dataset.get("SOPClassUID", "") or "")
    return {
        "modality": str(dataset.get("Modality", "") or "") or None,
        "sop_class": DicomUID(sop_class).name if sop_class else None,
        "frame_of_reference_uid": str(dataset.get("FrameOfReferenceUID", "") or "") or None,
        "study_instance_uid": str(dataset.get("StudyInstanceUID", "") or "") or None,
        "series_instance_uid": str(dataset.get("SeriesInstanceUID", "") or "") or None,
    }


def _start(dataset: Dataset, source: str) -> str | None:
    moment = dicom_datetime(dataset, prefixes=("Acquisition",), assume_timezone="UTC",
                            notes=Notes(source))
    return moment.isoformat() if moment else None


def _describe_series(folder: Path, series_uid: str | None) -> FileDescription:
    stack = scan_series(folder, series_uid=series_uid, stop_before_pixels=True)
    for file in stack.paths:  # with their pixels: a truncated slice is refused, not described
        if "PixelData" not in read_dataset(file):
            raise DicomFormatError(field="PixelData", value=None, source=str(file),
                                   expected="the pixel data of every slice (the file is "
                                   "truncated or corrupt)")
    first = stack.datasets[0]
    grid = Volume(np.zeros((1, 1, 1)), stack.affine, VolumeUnit.FRACTION, "1")
    facts = _volume_facts(grid)
    facts["shape"] = list(stack.shape)
    facts.update(_header_facts(first))
    facts["unit"] = VolumeUnit.HU.value if facts["modality"] == "CT" else None
    return FileDescription(path=str(folder), kind=FileKind.IMAGE_SERIES, n_files=len(stack.paths),
                           acquisition_start=_start(first, str(folder)), **facts)


def _describe_image(path: Path, dataset: Dataset) -> FileDescription:
    facts = _header_facts(dataset)
    rows, columns = dataset.get("Rows"), dataset.get("Columns")
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    description = FileDescription(path=str(path), kind=FileKind.IMAGE,
                                  acquisition_start=_start(dataset, str(path)), **facts)
    if rows and columns:
        description.shape = [frames, int(rows), int(columns)]
    spacing = dataset.get("PixelSpacing")
    thickness = dataset.get("SliceThickness")
    if spacing and len(spacing) == 2:
        slice_mm = float(thickness) if thickness not in (None, "") else None
        description.spacing_mm = [slice_mm, float(spacing[0]), float(spacing[1])]
    if dataset.get("ImageOrientationPatient"):
        row, col = orientation_from_iop(dataset.ImageOrientationPatient, source=str(path))
        description.orientation = _rounded(np.concatenate([row, col]))
    if dataset.get("ImagePositionPatient"):
        description.origin_lps_mm = _rounded([float(v) for v in dataset.ImagePositionPatient], 4)
    if facts["modality"] == "CT":
        description.unit = VolumeUnit.HU.value
    return description


def _describe_nm(path: Path, dataset: Dataset) -> FileDescription:
    image_type = nm_image_type(dataset, str(path))
    facts = _header_facts(dataset)
    if image_type in ("TOMO", "STATIC"):
        static = image_type == "STATIC"
        projections = read_nm_static(path) if static else read_nm_projections(path)
        facts.update(
            shape=list(projections.counts.shape),
            spacing_mm=_rounded(projections.pixel_spacing_mm),
            unit=VolumeUnit.COUNTS.value,
            energy_windows=list(projections.windows),
            isotope=projections.isotope,
            acquisition_start=projections.acquisition_start.isoformat(),
            frame_duration_s=projections.frame_duration_s,
            n_views=projections.n_views,
            n_detectors=len(set(projections.detector_of_view.tolist())),
            frame_of_reference_uid=projections.frame_of_reference_uid,
        )
        return FileDescription(path=str(path), **facts,
                               kind=FileKind.NM_STATIC if static else FileKind.NM_PROJECTIONS)
    if image_type == "RECON TOMO":
        volume = read_nm_reconstruction(path)
        facts.update(_volume_facts(volume))
        facts.update(energy_windows=list(volume.metadata.get("energy_windows", ())),
                     isotope=volume.metadata.get("isotope"),
                     acquisition_start=volume.metadata.get("acquisition_start"))
        return FileDescription(path=str(path), kind=FileKind.NM_RECONSTRUCTION, **facts)
    return _describe_image(path, dataset)


def _describe_rtstruct(path: Path, dataset: Dataset) -> FileDescription:
    facts = _header_facts(dataset)
    frames = {str(item.get("ReferencedFrameOfReferenceUID", ""))
              for item in dataset.get("StructureSetROISequence") or []} - {""}
    for item in dataset.get("ReferencedFrameOfReferenceSequence") or []:
        frames.add(str(item.get("FrameOfReferenceUID", "")))
    frames.discard("")
    facts["frame_of_reference_uid"] = ", ".join(sorted(frames)) or None
    regions = [str(item.get("ROIName", "")) for item in
               dataset.get("StructureSetROISequence") or []]
    return FileDescription(path=str(path), kind=FileKind.RT_STRUCT, regions=regions, **facts)


def _describe_seg(path: Path) -> FileDescription:
    import highdicom as hd  # imported here: 0.3 s that the rest of hepar should not pay

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            segmentation = hd.seg.segread(str(path))
        check_pixel_data(segmentation, str(path))
    except DicomFormatError:
        raise
    except Exception as error:  # truncated or corrupt files raise many different errors
        raise DicomFormatError(field="file", value=type(error).__name__,
                               expected="a readable DICOM Segmentation (SEG) file",
                               source=str(path)) from error
    facts = _header_facts(segmentation)
    description = FileDescription(
        path=str(path), kind=FileKind.SEG, unit=VolumeUnit.FRACTION.value,
        regions=[str(item.SegmentLabel) for item in segmentation.SegmentSequence], **facts,
    )
    geometry = segmentation.get_volume_geometry()
    if geometry is not None and facts["frame_of_reference_uid"]:
        grid = Volume(np.zeros((1, 1, 1)), geometry.affine, VolumeUnit.FRACTION,
                      facts["frame_of_reference_uid"])
        volume_facts = _volume_facts(grid)
        volume_facts["shape"] = list(geometry.spatial_shape)
        for key in ("shape", "spacing_mm", "origin_lps_mm", "orientation"):
            setattr(description, key, volume_facts[key])
    return description


def _is_image_class(sop_class: str) -> bool:
    """A SOP class whose objects always carry Pixel Data (images, segmentations)."""
    name = DicomUID(sop_class).name if sop_class else ""
    return name.endswith("Image Storage") or sop_class == SegmentationStorage


def _describe_dicom_file(path: Path) -> FileDescription:
    dataset = read_dataset(path, stop_before_pixels=True)
    sop_class = str(dataset.get("SOPClassUID", ""))
    if _is_image_class(sop_class) and "PixelData" not in read_dataset(path):
        raise DicomFormatError(
            field="PixelData", value=None, source=str(path),
            expected=f"the pixel data of a {DicomUID(sop_class).name} object (the file is "
            "truncated or corrupt)",
        )
    if sop_class in (NuclearMedicineImageStorage, NM_IMAGE_STORAGE_RETIRED):
        return _describe_nm(path, dataset)
    if sop_class == RTDoseStorage:
        facts = _header_facts(dataset)
        try:
            facts.update(_volume_facts(read_rtdose(path)))
        except DicomFormatError as error:
            if error.field != "PixelData":
                raise
            warnings.warn(f"{path}: RT Dose without a dose grid (DVH or points only)",
                          HeparWarning, stacklevel=2)
        return FileDescription(path=str(path), kind=FileKind.RT_DOSE, **facts)
    if sop_class == RTStructureSetStorage:
        return _describe_rtstruct(path, dataset)
    if sop_class == SegmentationStorage:
        return _describe_seg(path)
    if dataset.get("Rows") and dataset.get("Columns"):
        return _describe_image(path, dataset)
    return FileDescription(path=str(path), kind=FileKind.DICOM, **_header_facts(dataset))


def _describe_nifti(path: Path) -> FileDescription:
    header = load_nifti_header(path)
    read_nifti_data(header, str(path))  # a truncated or corrupt file is refused, not described
    grid = Volume(np.zeros((1, 1, 1)), header.affine_lps, VolumeUnit.FRACTION, "1")
    facts = _volume_facts(grid)
    facts.update(shape=list(header.shape), unit=header.stored.get("unit"),
                 frame_of_reference_uid=header.stored.get("frame_of_reference_uid"),
                 series_instance_uid=None, study_instance_uid=None)
    return FileDescription(path=str(path), kind=FileKind.NIFTI, **facts)


@reading("DICOM or NIfTI file or series", error=FileFormatError)
def describe_path(path: str | Path, *, series_uid: str | None = None) -> FileDescription:
    """Describe a DICOM series folder, a DICOM file (CT slice, NM, RT Dose, RTSTRUCT, SEG...) or
    a NIfTI file.

    HeparWarnings raised while reading, and the UserWarnings pydicom gives for values it
    tolerated, are collected in ``warnings`` (not re-issued).

    Parameters
    ----------
    path
        The file or folder.
    series_uid
        The series to describe when a folder holds several.

    Raises
    ------
    InvalidValueError
        The path does not exist.
    DicomFormatError, FileFormatError, GeometryError
        As the readers raise them: the file or series cannot be read as what it claims to be.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidValueError(field="path", value=str(path),
                                expected="an existing file or folder")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # record everything; re-issue what is not ours below
        if path.is_dir():
            files = dicom_files(path)
            if len(files) == 1 and series_uid is None:
                description = _describe_dicom_file(files[0])
                description.path = str(path)
            else:
                description = _describe_series(path, series_uid)
        elif path.name.endswith((".nii", ".nii.gz")):
            description = _describe_nifti(path)
        else:
            description = _describe_dicom_file(path)
    for warning in caught:
        reader_warning = issubclass(warning.category, HeparWarning) or (
            warning.category is UserWarning and "pydicom" in warning.filename
        )  # lenient reading: what pydicom tolerated in a scanner file is recorded, not printed
        if reader_warning:
            text = str(warning.message)
            if not issubclass(warning.category, HeparWarning):
                text = f"pydicom: {text}"
            if text not in description.warnings:
                description.warnings.append(text)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    if description.kind is FileKind.DICOM and description.sop_class is None:
        raise DicomFormatError(field="SOPClassUID", value=None,
                               expected="a DICOM object with a SOP class", source=str(path))
    return description
