"""Regions of interest <-> DICOM RT Structure Set (PS3.3 A.19; Structure Set, ROI Contour and
RT ROI Observations modules, C.8.8.5-C.8.8.8).

highdicom has no RTSTRUCT writer, so the data set is built with pydicom. Contours are
CLOSED_PLANAR polygons in patient coordinates (LPS, mm), one or more per slice of the mask's grid.
Writing traces each slice's mask along pixel edges and reading fills polygons by pixel centre
(even-odd, see :mod:`hepar.io._contours`), so a mask written and read back on the same grid is
identical voxel for voxel, and the ROI volume is kept exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import CTImageStorage, RTStructureSetStorage, generate_uid

from hepar.errors import DicomFormatError, GeometryError, InvalidValueError
from hepar.imaging import Mask, Volume

from ._contours import fill_polygons, mask_outlines
from ._dicom_common import Notes, fmt_ds_list, read_dataset, reading, strictly
from ._dicom_time import require_aware
from ._dicom_write import StudyInfo, base_dataset, save_atomically

__all__ = ["PLANARITY_TOLERANCE_SLICES", "read_rtstruct", "study_of", "write_rtstruct"]

#: A contour's points may lie this far (in slices) from one plane of the grid.
PLANARITY_TOLERANCE_SLICES = 0.05
_COLOURS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255),
            (255, 0, 255), (255, 128, 0), (128, 0, 255))


def study_of(grid: Volume) -> StudyInfo | None:
    """The study of the DICOM series a grid was read from (its ``metadata``), if known."""
    uid = grid.metadata.get("study_instance_uid")
    if not uid:
        return None
    return StudyInfo(patient_id=str(grid.metadata.get("patient_id") or "HEPAR-VIRTUAL"),
                     study_instance_uid=str(uid))


def _image_references(grid: Volume) -> list[Dataset] | None:
    uids = grid.metadata.get("sop_instance_uids")
    if not uids or len(uids) != grid.shape[0]:
        return None
    references = []
    for uid in uids:
        item = Dataset()
        item.ReferencedSOPClassUID = str(grid.metadata.get("sop_class_uid") or CTImageStorage)
        item.ReferencedSOPInstanceUID = str(uid)
        references.append(item)
    return references


def _referenced_frame(grid: Volume, images: list[Dataset] | None) -> DicomSequence:
    frame = Dataset()
    frame.FrameOfReferenceUID = grid.frame_of_reference_uid
    series_uid = grid.metadata.get("series_instance_uid")
    study_uid = grid.metadata.get("study_instance_uid")
    if images and series_uid and study_uid:
        series = Dataset()
        series.SeriesInstanceUID = str(series_uid)
        series.ContourImageSequence = DicomSequence(images)
        study = Dataset()
        study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"  # Study Component Management
        study.ReferencedSOPInstanceUID = str(study_uid)
        study.RTReferencedSeriesSequence = DicomSequence([series])
        frame.RTReferencedStudySequence = DicomSequence([study])
    return DicomSequence([frame])


def _contours(mask: Mask, images: list[Dataset] | None) -> list[Dataset]:
    grid = mask.grid
    contours: list[Dataset] = []
    for k in range(grid.shape[0]):
        plane = mask.boolean[k]
        if not plane.any():
            continue
        for outline in mask_outlines(plane):
            index = np.column_stack([np.full(len(outline), float(k)), outline])
            contour = Dataset()
            if images:
                contour.ContourImageSequence = DicomSequence([images[k]])
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(outline)
            contour.ContourNumber = len(contours) + 1
            contour.ContourData = fmt_ds_list(grid.world_mm(index))
            contours.append(contour)
    return contours


@strictly
def write_rtstruct(
    masks: Sequence[Mask],
    path: str | Path,
    *,
    study: StudyInfo | None = None,
    label: str = "hepar",
    series_description: str = "Structures",
    series_number: int = 5,
    series_instance_uid: str | None = None,
    creation_datetime: datetime | None = None,
) -> Path:
    """Write masks as a DICOM RT Structure Set, one ROI per mask (voxels with occupancy >= 0.5).

    Parameters
    ----------
    masks
        Regions with unique names (at most 64 characters), all on one frame of reference. When
        their grid was read from a DICOM series (its ``metadata`` holds the series and SOP
        instance UIDs), the structure set references those images and that study.
    path
        File to write (replaced atomically).
    study
        Patient and study; by default the study of the masks' DICOM series, else a new one.
    label
        StructureSetLabel (at most 16 characters).
    series_instance_uid
        The series' UID (a new one if not given); the SOP Instance UID is derived from it, so
        the same masks written with the same series UID and ``creation_datetime`` give
        identical files.
    creation_datetime
        Timezone-aware InstanceCreationDate/Time, StructureSetDate/Time and Content and
        Series date and time (the time of writing if not given).

    Raises
    ------
    InvalidValueError
        No masks, duplicate or over-long names, masks on different frames of reference, a
        naive ``creation_datetime``.
    """
    require_aware("creation_datetime", creation_datetime)
    if not masks:
        raise InvalidValueError(field="masks", value=[], expected="at least one mask")
    names = [m.name for m in masks]
    for name in names:
        if not name or len(name) > 64 or names.count(name) > 1:
            raise InvalidValueError(field="mask name", value=name,
                                    expected="unique ROI names of 1 to 64 characters (LO)")
    frames = {m.grid.frame_of_reference_uid for m in masks}
    if len(frames) > 1:
        raise GeometryError(field="masks frame_of_reference_uid", value=sorted(frames),
                            expected="one frame of reference for all regions")
    grid = masks[0].grid
    images = _image_references(grid)
    dataset = base_dataset(
        sop_class_uid=RTStructureSetStorage, modality="RTSTRUCT",
        study=study or study_of(grid) or StudyInfo(),
        series_instance_uid=series_instance_uid or generate_uid(), series_number=series_number,
        series_description=series_description, creation_datetime=creation_datetime,
    )
    dataset.StructureSetLabel = label
    dataset.StructureSetDate = dataset.InstanceCreationDate
    dataset.StructureSetTime = dataset.InstanceCreationTime
    dataset.ReferencedFrameOfReferenceSequence = _referenced_frame(grid, images)
    rois: list[Dataset] = []
    contours: list[Dataset] = []
    observations: list[Dataset] = []
    for number, mask in enumerate(masks, start=1):
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = mask.grid.frame_of_reference_uid
        roi.ROIName = mask.name
        roi.ROIGenerationAlgorithm = ""
        rois.append(roi)
        contour = Dataset()
        contour.ROIDisplayColor = list(_COLOURS[(number - 1) % len(_COLOURS)])
        same_images = images if mask.grid.same_grid(grid) else None
        items = _contours(mask, same_images)
        if items:
            contour.ContourSequence = DicomSequence(items)
        contour.ReferencedROINumber = number
        contours.append(contour)
        observation = Dataset()
        observation.ObservationNumber = number
        observation.ReferencedROINumber = number
        observation.RTROIInterpretedType = ""
        observation.ROIInterpreter = ""
        observations.append(observation)
    dataset.StructureSetROISequence = DicomSequence(rois)
    dataset.ROIContourSequence = DicomSequence(contours)
    dataset.RTROIObservationsSequence = DicomSequence(observations)
    return save_atomically(dataset, path)


def _roi_names(dataset: Dataset, notes: Notes) -> dict[int, tuple[str, str]]:
    """ROI number -> (name, referenced frame of reference UID), names made unique."""
    found: dict[int, tuple[str, str]] = {}
    for item in dataset.get("StructureSetROISequence") or []:
        name = str(item.get("ROIName", "") or f"ROI {item.ROINumber}")
        if any(name == other for other, _ in found.values()):
            notes.warn(f"ROIName {name!r} repeats; this one is called {name} ({item.ROINumber})")
            name = f"{name} ({item.ROINumber})"
        found[int(item.ROINumber)] = (name, str(item.get("ReferencedFrameOfReferenceUID", "")))
    return found


def _rasterise(contours: Sequence[Dataset], reference: Volume, name: str, notes: Notes,
               source: str) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
    polygons: dict[int, list[np.ndarray[Any, Any]]] = {}
    between = outside = False
    for contour in contours:
        if str(contour.get("ContourGeometricType", "")).upper() != "CLOSED_PLANAR":
            continue
        points = np.asarray(contour.get("ContourData") or [], dtype=float).reshape(-1, 3)
        if len(points) < 3:
            continue
        index = reference.index_of(points)
        depth = index[:, 0]
        if np.ptp(depth) > PLANARITY_TOLERANCE_SLICES:
            raise GeometryError(
                field="ContourData", value=f"ROI {name!r} spans {np.ptp(depth):.2f} slices",
                expected="contours in planes parallel to the reference grid's slices",
                source=source,
            )
        k = round(float(depth.mean()))
        between |= abs(depth.mean() - k) > PLANARITY_TOLERANCE_SLICES
        if not 0 <= k < reference.shape[0]:
            outside = True
            continue
        polygons.setdefault(k, []).append(index[:, 1:])
    if not polygons and not outside:
        return None
    if between:
        notes.warn(f"ROI {name!r}: contours between the grid's slices taken to the nearest slice")
    if outside:
        notes.warn(f"ROI {name!r}: contours outside the reference grid ignored")
    occupancy = np.zeros(reference.shape, dtype=bool)
    for k, shapes in polygons.items():
        occupancy[k] = fill_polygons(shapes, reference.shape[1:])
    return occupancy


@reading("RT Structure Set file")
def read_rtstruct(
    path: str | Path, reference: Volume, *, names: Sequence[str] | None = None
) -> dict[str, Mask]:
    """Read the contoured regions of an RT Structure Set onto the grid of ``reference``.

    Each CLOSED_PLANAR contour is filled on the slice of ``reference`` it lies in (voxel centres
    inside, even-odd, so nested contours are holes); ROIs without closed contours (points,
    isocentres) are not returned.

    Parameters
    ----------
    path
        The RTSTRUCT file.
    reference
        The grid to fill on (usually the CT the contours were drawn on); same frame of
        reference, slices parallel to the contours.
    names
        The ROI names to read (all by default).

    Returns
    -------
    dict of str to Mask
        Boolean masks on ``reference``'s grid, by ROI name, in file order.

    Raises
    ------
    DicomFormatError
        Not an RT Structure Set.
    GeometryError
        Another frame of reference; contours not parallel to the grid's slices.
    InvalidValueError
        A name in ``names`` that the file does not have.
    """
    source = str(path)
    notes = Notes(source)
    dataset = read_dataset(path)
    if str(dataset.get("SOPClassUID", "")) != RTStructureSetStorage:
        raise DicomFormatError(field="SOPClassUID", value=str(dataset.get("SOPClassUID", "")),
                               expected=f"RT Structure Set Storage ({RTStructureSetStorage})",
                               source=source)
    rois = _roi_names(dataset, notes)
    wanted = set(names) if names is not None else None
    if wanted is not None and wanted - {n for n, _ in rois.values()}:
        raise InvalidValueError(field="names", value=sorted(wanted - {n for n, _ in rois.values()}),
                                expected=f"ROI names in the file: {[n for n, _ in rois.values()]}",
                                source=source)
    contours_of: Mapping[int, Sequence[Dataset]] = {
        int(item.ReferencedROINumber): item.get("ContourSequence") or []
        for item in dataset.get("ROIContourSequence") or []
    }
    masks: dict[str, Mask] = {}
    for number, (name, frame) in rois.items():
        if wanted is not None and name not in wanted:
            continue
        if frame and frame != reference.frame_of_reference_uid:
            raise GeometryError(field="ReferencedFrameOfReferenceUID", value=frame,
                                expected=f"{reference.frame_of_reference_uid} (the reference "
                                "grid's); register first", source=source)
        occupancy = _rasterise(contours_of.get(number, []), reference, name, notes, source)
        if occupancy is not None:
            masks[name] = Mask.on_grid_of(name, reference, occupancy)
    return masks
