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
from hepar.errors import InvalidValueError
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


def _nifti(path: Path, unit: VolumeUnit, frame: str | None) -> Volume:
    stored = describe_path(path).frame_of_reference_uid
    return read_nifti(path, unit=unit, frame_of_reference_uid=stored or frame)


def load_activity(
    path: str | Path, *, frame_of_reference_uid: str | None = None, option: str = "spect"
) -> Volume:
    """An activity map in Bq/mL from a NIfTI or NM RECON TOMO file.

    A map with negative or non-finite voxels is refused here, with the file, the option it was
    given with (``option``) and the minimum, before any dosimetry turns it into another quantity.
    """
    source = Path(path)
    if _is_nifti(source):
        volume = _nifti(source, VolumeUnit.BQ_PER_ML, frame_of_reference_uid)
    else:
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
    mask = Mask(name, volume)
    return mask if volume.same_grid(reference) else resample_to(
        mask, reference, method="fractional"
    )


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
