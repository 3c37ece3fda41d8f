"""Loading the images and regions of the planning and dose use cases (through ``hepar.io``).

Activity maps: NIfTI (``.nii``/``.nii.gz``, values in Bq/mL) or DICOM NM RECON TOMO with a Bq/mL
real-world value mapping. Regions: NIfTI masks (occupancy 0..1), or named regions of an RT
Structure Set / DICOM SEG. CT: a DICOM series folder or a NIfTI in HU. A NIfTI file that does not
store a frame of reference is taken to lie in the frame of the image it is used with (NIfTI files
do not carry DICOM frames); one that stores another frame is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepar.dosimetry import Regions, resolve_regions
from hepar.errors import GeometryError, HeparError, InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit, resample_to
from hepar.io import (
    FileKind,
    describe_path,
    read_ct_series,
    read_nifti,
    read_nm_reconstruction,
    read_rtstruct,
    read_seg,
)

__all__ = [
    "ct_on_grid",
    "load_activity",
    "load_ct_on_grid",
    "load_masks",
    "load_region",
    "load_regions",
]


def _is_nifti(path: Path) -> bool:
    return path.name.endswith(".nii") or path.name.endswith(".nii.gz")


def _nifti(path: Path, unit: VolumeUnit | str | None, frame: str | None) -> Volume:
    stored = describe_path(path).frame_of_reference_uid
    return read_nifti(path, unit=unit, frame_of_reference_uid=stored or frame)


#: ``Volume.metadata`` key set when a NIfTI SPECT stored no frame and none was given.
FRAME_MADE_UP = "frame_of_reference_made_up"


def _same_frame(volume: Volume, reference: Volume, *, option: str, source: Path) -> None:
    """Refuse ``volume`` on another frame than ``reference``, saying how to fix it."""
    if volume.frame_of_reference_uid == reference.frame_of_reference_uid:
        return
    hint = ("; the SPECT is a NIfTI that stores no frame: give --like CT_DIR or "
            "--frame-of-reference UID" if reference.metadata.get(FRAME_MADE_UP) else
            "; register it first")
    raise GeometryError(
        field=f"{option}.frame_of_reference_uid", value=volume.frame_of_reference_uid,
        source=str(source),
        expected=f"the SPECT's frame of reference ({reference.frame_of_reference_uid}){hint}",
    )


def _frame_of(like: str | Path) -> str:
    """The frame of reference of the image ``like`` (a CT folder or file): ``--like``."""
    try:
        frame = describe_path(Path(like)).frame_of_reference_uid
    except HeparError as error:
        raise InvalidValueError(field="like", value=str(like),
                                expected=f"a readable DICOM image or series ({error})") from None
    if not frame:
        raise InvalidValueError(field="like", value=str(like),
                                expected="a DICOM image or series that has a FrameOfReferenceUID")
    return frame


def load_activity(
    path: str | Path, *, frame_of_reference_uid: str | None = None, option: str = "spect",
    unit: str | None = None, like: str | Path | None = None,
) -> Volume:
    """An activity map in Bq/mL from a NIfTI or NM RECON TOMO file.

    A NIfTI file that does not store its unit needs ``unit`` (``--unit``; ``"Bq/mL"``), one that
    does not store a frame of reference takes ``frame_of_reference_uid`` or the frame of the
    image ``like`` (``--frame-of-reference``, ``--like CT_DIR``). A map with negative or
    non-finite voxels is refused here, with the file, the option it was given with (``option``)
    and the minimum, before any dosimetry turns it into another quantity.
    """
    source = Path(path)
    if frame_of_reference_uid is not None and like is not None:
        raise InvalidValueError(field="like", value=str(like),
                                expected="either --frame-of-reference or --like, not both")
    frame = _frame_of(like) if like is not None else frame_of_reference_uid
    if _is_nifti(source):
        stored = describe_path(source)
        if unit is None and stored.unit is None:
            raise InvalidValueError(
                field="unit", value=None, source=str(source),
                expected="a NIfTI that stores its unit, or --unit Bq/mL to state it",
            )
        if stored.frame_of_reference_uid and frame and stored.frame_of_reference_uid != frame:
            raise InvalidValueError(
                field="frame_of_reference", value=frame, source=str(source),
                expected=f"the frame the file stores ({stored.frame_of_reference_uid}), or no "
                "--frame-of-reference/--like",
            )
        volume = _nifti(source, unit, frame)
        if not (frame or stored.frame_of_reference_uid):
            volume.metadata[FRAME_MADE_UP] = True
    else:
        if unit is not None or frame is not None:
            raise InvalidValueError(
                field="unit" if unit is not None else "frame_of_reference", source=str(source),
                value=unit if unit is not None else frame,
                expected="no --unit/--frame-of-reference/--like for a DICOM SPECT (it stores "
                "both)",
            )
        volume = read_nm_reconstruction(source)
    if volume.unit is not VolumeUnit.BQ_PER_ML:
        raise InvalidValueError(
            field="unit", value=volume.unit.value, source=str(source),
            expected="a quantitative SPECT in Bq/mL (reconstruct with calibration first)",
        )
    values = np.asarray(volume.array, dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        raise InvalidValueError(
            field=option, source=str(source),
            value=f"activity map with {int((~finite).sum())} NaN or infinite voxels",
            expected="finite activities in Bq/mL in every voxel",
        )
    if values.size and values.min() < 0:
        negative = int((values < 0).sum())
        raise InvalidValueError(
            field=option, source=str(source),
            value=f"activity map with negative values (minimum {values.min():.6g} Bq/mL, "
            f"{negative} voxel{'s' if negative > 1 else ''})",
            expected="activities >= 0 Bq/mL in every voxel (clip negative reconstruction noise "
            "before dosimetry)",
        )
    return volume


def load_ct_on_grid(path: str | Path, reference: Volume) -> Volume:
    """A CT in HU (DICOM series folder or NIfTI), resampled onto ``reference``'s grid."""
    source = Path(path)
    if _is_nifti(source):
        ct = _nifti(source, VolumeUnit.HU, reference.frame_of_reference_uid)
    else:
        ct = read_ct_series(source)
    _same_frame(ct, reference, option="ct", source=source)
    return ct_on_grid(ct, reference)


def ct_on_grid(ct: Volume, reference: Volume) -> Volume:
    """``ct`` (HU) on ``reference``'s grid (linear resampling when the grids differ)."""
    ct.require_unit(VolumeUnit.HU, name="ct")
    return ct if ct.same_grid(reference) else resample_to(ct, reference, method="linear")


def load_region(path: str | Path, reference: Volume, *, name: str) -> Mask:
    """One region from a NIfTI mask, on ``reference``'s grid (fractional resampling if needed)."""
    source = Path(path)
    if not _is_nifti(source):
        masks = load_masks(source, reference)
        if len(masks) != 1:
            raise InvalidValueError(
                field=name, value=str(source),
                expected=f"a file with one region (found {sorted(masks)}); use --structures",
            )
        (mask,) = masks.values()
        return Mask(name, mask.grid)
    volume = _nifti(source, VolumeUnit.FRACTION, reference.frame_of_reference_uid)
    _same_frame(volume, reference, option=name, source=source)
    values = np.asarray(volume.array, dtype=float)
    if not np.isfinite(values).all() or values.min(initial=0.0) < 0 or values.max(
            initial=0.0) > 1:
        raise InvalidValueError(
            field=name, value=str(source),
            expected="a mask of occupancies from 0 to 1 (no NaN, no negative values)",
        )
    mask = Mask(name, volume)
    mask = mask if volume.same_grid(reference) else resample_to(
        mask, reference, method="fractional"
    )
    if not float(np.asarray(mask.fraction).sum()) > 0:
        raise InvalidValueError(
            field=name, value=str(source),
            expected="a mask with at least one voxel inside the SPECT's field of view (this one "
            "is empty there)",
        )
    return mask


def load_masks(
    path: str | Path, reference: Volume, *, names: Sequence[str] | None = None
) -> dict[str, Mask]:
    """Named regions of an RT Structure Set or DICOM SEG file, on ``reference``'s grid."""
    source = Path(path)
    kind = describe_path(source).kind
    if kind is FileKind.RT_STRUCT:
        return read_rtstruct(source, reference, names=names)
    if kind is FileKind.SEG:
        return read_seg(source, reference, names=names)
    raise InvalidValueError(
        field="structures", value=str(source), expected="an RT Structure Set or DICOM SEG file"
    )



def load_regions(
    reference: Volume,
    *,
    structures: str | Path | None = None,
    liver_mask: str | Path | None = None,
    lung_mask: str | Path | None = None,
    body_mask: str | Path | None = None,
    tumour_masks: Sequence[str | Path] = (),
) -> Regions:
    """The regions of a plan or dose calculation on ``reference``'s grid, sorted by role.

    One function for ``hepar plan`` and ``hepar dose``: the files given one by one and the named
    regions of ``structures`` are classified by :func:`hepar.dosimetry.resolve_regions`, so the
    two commands read the same structure set the same way.
    """
    named = load_masks(structures, reference) if structures is not None else {}

    def one(path: str | Path | None, name: str) -> Mask | None:
        return load_region(path, reference, name=name) if path is not None else None

    return resolve_regions(
        named,
        liver=one(liver_mask, "liver"),
        lungs=one(lung_mask, "lungs"),
        body=one(body_mask, "body"),
        tumours=[load_region(p, reference, name=f"tumour {i}")
                 for i, p in enumerate(tumour_masks, 1)],
    )
