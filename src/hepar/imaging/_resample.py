"""The one resampling function: any volume or mask onto another volume's grid (SimpleITK)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, overload

import numpy as np
import SimpleITK as sitk
from numpy.typing import NDArray

from hepar.errors import GeometryError, InvalidValueError

from ._mask import Mask
from ._units import VolumeUnit
from ._volume import Volume

__all__ = ["ResampleMethod", "resample_to", "to_sitk_image"]

#: Sub-voxel samples per axis used for the fractional occupancy of a mask on a coarser grid.
FRACTIONAL_SUPERSAMPLING = 4


class ResampleMethod(StrEnum):
    """How values are taken onto the new grid."""

    LINEAR = "linear"
    NEAREST = "nearest"
    FRACTIONAL = "fractional"


def to_sitk_image(array: NDArray[Any], affine: NDArray[np.float64]) -> sitk.Image:
    """A SimpleITK image of a (z, y, x) array with its index -> LPS affine.

    SimpleITK indexes (x, y, z); its direction columns are therefore our affine's columns reversed.
    """
    image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    direction = affine[:3, :3] / spacing
    image.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    image.SetOrigin(tuple(float(o) for o in affine[:3, 3]))
    image.SetDirection(tuple(float(d) for d in direction[:, ::-1].ravel()))
    return image


def _resample_array(
    array: NDArray[Any], affine: NDArray[np.float64], reference: Volume, interpolator: int,
    *, output_type: int = sitk.sitkFloat64,
) -> NDArray[Any]:
    moving = to_sitk_image(array, affine)
    target = to_sitk_image(np.zeros(reference.shape, dtype=np.uint8), reference.affine)
    result = sitk.Resample(moving, target, sitk.Transform(), interpolator, 0.0, output_type)
    return sitk.GetArrayFromImage(result)


def _supersampled_grid(reference: Volume, factor: int) -> Volume:
    nz, ny, nx = reference.shape
    fine = reference.affine.copy()
    fine[:3, :3] = reference.affine[:3, :3] / factor
    # centre of fine voxel 0 sits (1 - 1/factor)/2 of a coarse voxel before the coarse centre
    fine[:3, 3] = reference.world_mm(np.full(3, -(1.0 - 1.0 / factor) / 2.0))
    return Volume(
        np.zeros((nz * factor, ny * factor, nx * factor), dtype=np.uint8),
        fine, VolumeUnit.FRACTION, reference.frame_of_reference_uid,
    )


@overload
def resample_to(
    source: Volume, reference: Volume, *, method: ResampleMethod | str = ...
) -> Volume: ...
@overload
def resample_to(source: Mask, reference: Volume, *, method: ResampleMethod | str = ...) -> Mask: ...


def resample_to(
    source: Volume | Mask, reference: Volume, *, method: ResampleMethod | str = "linear"
) -> Volume | Mask:
    """Resample a volume or a mask onto the grid of ``reference``.

    Parameters
    ----------
    source
        The image or region to move. It must share ``reference``'s frame of reference: hepar
        never resamples across frames without an explicit registration.
    reference
        The grid to land on (its values are not used).
    method
        ``"linear"`` (images), ``"nearest"`` (labels, masks kept binary) or ``"fractional"``
        (masks: the fraction of each target voxel inside the region, from
        ``FRACTIONAL_SUPERSAMPLING``\\ :sup:`3` nearest-neighbour sub-samples per voxel).
        Points outside the source grid get 0.

    Returns
    -------
    Volume or Mask
        Same kind as ``source``, on ``reference``'s grid. Volumes keep their unit; note that an
        extensive unit (Bq, counts) is *not* rescaled by the change of voxel size.

    Examples
    --------
    >>> from hepar.imaging import affine_from_geometry
    >>> src = Volume(np.arange(8.0).reshape(2, 2, 2), affine_from_geometry(origin_lps_mm=(0, 0, 0),
    ...              spacing_mm=(1, 1, 1)), "HU", "1.2.3")
    >>> resample_to(src, src).array.tolist() == src.array.tolist()
    True
    """
    try:
        how = ResampleMethod(method)
    except ValueError:
        raise InvalidValueError(
            field="method", value=method, expected=f"one of {[m.value for m in ResampleMethod]}"
        ) from None
    grid = source.grid if isinstance(source, Mask) else source
    if grid.frame_of_reference_uid != reference.frame_of_reference_uid:
        raise GeometryError(
            field="frame_of_reference_uid", value=grid.frame_of_reference_uid,
            expected=f"{reference.frame_of_reference_uid} (the reference grid's); register first",
        )
    if isinstance(source, Mask):
        if how is ResampleMethod.LINEAR:
            values = _resample_array(source.fraction, grid.affine, reference, sitk.sitkLinear)
        elif how is ResampleMethod.NEAREST:
            values = _resample_array(
                source.boolean.astype(np.uint8), grid.affine, reference, sitk.sitkNearestNeighbor,
                output_type=sitk.sitkUInt8,
            ).astype(bool)
        else:
            f = FRACTIONAL_SUPERSAMPLING
            fine = _supersampled_grid(reference, f)
            sub = _resample_array(
                source.fraction, grid.affine, fine, sitk.sitkNearestNeighbor
            )
            nz, ny, nx = reference.shape
            values = sub.reshape(nz, f, ny, f, nx, f).mean(axis=(1, 3, 5))
        return Mask.on_grid_of(source.name, reference, np.clip(values, 0.0, 1.0)
                               if values.dtype != bool else values)
    if how is ResampleMethod.FRACTIONAL:
        raise InvalidValueError(
            field="method", value=how.value, expected="'linear' or 'nearest' for an image volume"
        )
    interpolator = sitk.sitkLinear if how is ResampleMethod.LINEAR else sitk.sitkNearestNeighbor
    values = _resample_array(np.asarray(source.array, dtype=float), source.affine, reference,
                             interpolator)
    return Volume(values, reference.affine, source.unit, reference.frame_of_reference_uid,
                  dict(source.metadata))
