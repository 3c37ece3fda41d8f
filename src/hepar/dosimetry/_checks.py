"""Boundary checks shared by the dosimetry functions (messages name the field and the value)."""

from __future__ import annotations

import math

import numpy as np

from hepar.errors import GeometryError, InvalidValueError
from hepar.imaging import Mask, Volume

__all__ = [
    "require_mask_not_empty",
    "require_nonnegative",
    "require_positive",
    "require_same_grid",
]


def require_positive(name: str, value: float) -> float:
    """``value`` as float if it is a positive finite number, else :class:`InvalidValueError`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValueError(field=name, value=value, expected="a positive number") from None
    if not (math.isfinite(number) and number > 0):
        raise InvalidValueError(field=name, value=value, expected="a positive number")
    return number


def require_nonnegative(volume: Volume, name: str) -> None:
    """Refuse negative or non-finite voxel values (activity, time-integrated activity)."""
    values = np.asarray(volume.array)
    if not np.all(np.isfinite(values)):
        raise InvalidValueError(
            field=name, value="non-finite voxels", expected="finite values (no NaN or inf)"
        )
    low = float(values.min()) if values.size else 0.0
    if low < 0:
        raise InvalidValueError(
            field=name, value=low,
            expected="values >= 0 (clip negative reconstruction noise before dosimetry)",
        )


def require_same_grid(reference: Volume, other: Volume, name: str) -> None:
    """Refuse a volume on another frame of reference or another grid than ``reference``."""
    if other.frame_of_reference_uid != reference.frame_of_reference_uid:
        raise GeometryError(
            field=f"{name}.frame_of_reference_uid", value=other.frame_of_reference_uid,
            expected=(
                f"the frame of reference of the dose grid ({reference.frame_of_reference_uid}); "
                "register the images first"
            ),
        )
    if not reference.same_grid(other):
        raise GeometryError(
            field=f"{name}.grid", value=repr(other),
            expected=f"the dose grid {reference!r}; resample with hepar.imaging.resample_to first",
        )


def require_mask_not_empty(mask: Mask) -> None:
    """Refuse a region without any voxel."""
    if mask.voxel_count <= 0:
        raise InvalidValueError(
            field=f"mask {mask.name!r}", value="0 voxels",
            expected="a region with at least one voxel",
        )
