"""The image record every layer shares: an array with its geometry and unit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import GeometryError, InvalidValueError, UnitMismatchError
from hepar.physics import MM3_PER_ML

from ._units import VolumeUnit

__all__ = [
    "ORTHOGONALITY_TOLERANCE",
    "Volume",
    "affine_from_geometry",
    "new_frame_of_reference_uid",
]

#: Largest |cos| between two index axes still treated as orthogonal (about 0.06 degree).
ORTHOGONALITY_TOLERANCE = 1e-3


def new_frame_of_reference_uid() -> str:
    """Return a new DICOM UID (2.25 root, derived from a random UUID, PS3.5 B.2)."""
    return f"2.25.{uuid.uuid4().int}"


def affine_from_geometry(
    *,
    origin_lps_mm: ArrayLike,
    spacing_mm: ArrayLike,
    row_direction: ArrayLike = (1.0, 0.0, 0.0),
    column_direction: ArrayLike = (0.0, 1.0, 0.0),
    slice_direction: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Build the 4x4 index -> LPS affine of a (z, y, x)-indexed array.

    Parameters
    ----------
    origin_lps_mm
        LPS position of the centre of voxel (0, 0, 0) in mm (DICOM ImagePositionPatient of slice 0).
    spacing_mm
        Spacing along the array axes (slice, row-to-row, column-to-column) in mm.
    row_direction, column_direction
        DICOM ImageOrientationPatient: direction of increasing column index (along a row) and of
        increasing row index (down a column).
    slice_direction
        Direction of increasing slice index; the cross product row x column if not given.

    Returns
    -------
    numpy.ndarray
        ``A`` such that ``A @ (k, j, i, 1)`` is the LPS position in mm of voxel ``array[k, j, i]``.

    Examples
    --------
    >>> affine_from_geometry(origin_lps_mm=(0, 0, 0), spacing_mm=(5, 2, 2))[:3, :3].diagonal()
    array([0., 2., 0.])
    """
    spacing = np.asarray(spacing_mm, dtype=float)
    row = np.asarray(row_direction, dtype=float)
    col = np.asarray(column_direction, dtype=float)
    row = row / np.linalg.norm(row)
    col = col / np.linalg.norm(col)
    normal = np.cross(row, col) if slice_direction is None else np.asarray(slice_direction, float)
    normal = normal / np.linalg.norm(normal)
    affine = np.eye(4)
    affine[:3, 0] = normal * spacing[0]
    affine[:3, 1] = col * spacing[1]
    affine[:3, 2] = row * spacing[2]
    affine[:3, 3] = np.asarray(origin_lps_mm, dtype=float)
    return affine


@dataclass(frozen=True, eq=False)
class Volume:
    """A 3-D image: values on a grid placed in patient space.

    Parameters
    ----------
    array
        Values indexed ``(z, y, x)``, i.e. (slice, row, column).
    affine
        4x4 matrix from array index ``(k, j, i, 1)`` to DICOM patient coordinates LPS in mm.
        Its three index axes must be orthogonal (no shear, no gantry tilt).
    unit
        What the values mean (:class:`VolumeUnit` or its string, e.g. ``"Bq/mL"``).
    frame_of_reference_uid
        DICOM Frame of Reference UID shared by all images registered to the same patient space.

    Examples
    --------
    >>> v = Volume(np.zeros((2, 3, 4)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
    ...            spacing_mm=(5.0, 2.0, 2.0)), "Bq/mL", "1.2.3")
    >>> v.spacing_mm, v.voxel_volume_ml
    ((5.0, 2.0, 2.0), 0.02)
    >>> v.world_mm((1, 0, 2)).tolist()
    [4.0, 0.0, 5.0]
    """

    array: NDArray[Any]
    affine: NDArray[np.float64]
    unit: VolumeUnit
    frame_of_reference_uid: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        array = np.asarray(self.array)
        if array.ndim != 3:
            raise InvalidValueError(
                field="array.shape", value=array.shape, expected="a 3-D array indexed (z, y, x)"
            )
        affine = np.asarray(self.affine, dtype=float)
        if affine.shape != (4, 4) or not np.allclose(affine[3], (0, 0, 0, 1)):
            raise GeometryError(
                field="affine", value=affine.tolist(), expected="a 4x4 affine with last row 0 0 0 1"
            )
        spacing = np.linalg.norm(affine[:3, :3], axis=0)
        if np.any(spacing <= 0) or not np.all(np.isfinite(affine)):
            raise GeometryError(
                field="affine", value=affine.tolist(), expected="finite, non-zero voxel spacing"
            )
        unit_axes = affine[:3, :3] / spacing
        off_diagonal = np.abs(unit_axes.T @ unit_axes - np.eye(3))
        if off_diagonal.max() > ORTHOGONALITY_TOLERANCE:
            raise GeometryError(
                field="affine",
                value=np.round(affine, 4).tolist(),
                expected="orthogonal index axes (no shear or gantry tilt); resample first",
            )
        try:
            unit = VolumeUnit(self.unit)
        except ValueError:
            raise UnitMismatchError(
                field="unit", value=self.unit, expected=f"one of {[u.value for u in VolumeUnit]}"
            ) from None
        if not self.frame_of_reference_uid:
            raise InvalidValueError(
                field="frame_of_reference_uid", value=self.frame_of_reference_uid,
                expected="a non-empty DICOM UID",
            )
        object.__setattr__(self, "array", array)
        object.__setattr__(self, "affine", affine)
        object.__setattr__(self, "unit", unit)

    # -- derived geometry -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        """Array shape ``(nz, ny, nx)``."""
        nz, ny, nx = self.array.shape
        return (nz, ny, nx)

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel spacing along the array axes (slice, row, column) in mm."""
        dz, dy, dx = (float(s) for s in np.linalg.norm(self.affine[:3, :3], axis=0))
        return (dz, dy, dx)

    @property
    def direction(self) -> NDArray[np.float64]:
        """3x3 matrix whose columns are the unit LPS directions of the array axes."""
        return self.affine[:3, :3] / np.linalg.norm(self.affine[:3, :3], axis=0)

    @property
    def origin_lps_mm(self) -> NDArray[np.float64]:
        """LPS position in mm of the centre of voxel (0, 0, 0)."""
        return self.affine[:3, 3].copy()

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel in mL (1 mL = 1000 mm^3)."""
        dz, dy, dx = self.spacing_mm  # axes are orthogonal, so |det| is the product of spacings
        return dz * dy * dx / MM3_PER_ML

    def world_mm(self, index: ArrayLike) -> NDArray[np.float64]:
        """LPS position in mm of array index ``(k, j, i)`` (or an ``(n, 3)`` array of them)."""
        idx = np.asarray(index, dtype=float)
        return idx @ self.affine[:3, :3].T + self.affine[:3, 3]

    def index_of(self, world_lps_mm: ArrayLike) -> NDArray[np.float64]:
        """Continuous array index ``(k, j, i)`` of an LPS point (or ``(n, 3)`` points) in mm."""
        point = np.asarray(world_lps_mm, dtype=float)
        index = np.linalg.solve(self.affine[:3, :3], (point - self.affine[:3, 3]).T).T
        return np.asarray(index, dtype=np.float64)

    def same_grid(self, other: Volume | Any, *, tolerance_mm: float = 1e-3) -> bool:
        """True when ``other`` has this shape, frame of reference and affine (within tolerance)."""
        return (
            self.shape == tuple(other.array.shape)
            and self.frame_of_reference_uid == other.frame_of_reference_uid
            and bool(np.allclose(self.affine, other.affine, atol=tolerance_mm, rtol=0))
        )

    def with_array(self, array: ArrayLike, unit: VolumeUnit | str | None = None) -> Volume:
        """A volume on the same grid with other values (and, optionally, another unit)."""
        values = np.asarray(array)
        if values.shape != self.shape:
            raise InvalidValueError(
                field="array.shape", value=values.shape, expected=f"the grid's shape {self.shape}"
            )
        return Volume(
            values, self.affine, VolumeUnit(unit) if unit else self.unit,
            self.frame_of_reference_uid, dict(self.metadata),
        )

    def require_unit(self, unit: VolumeUnit | str, *, name: str = "volume") -> None:
        """Raise :class:`UnitMismatchError` unless this volume carries ``unit``."""
        if self.unit != VolumeUnit(unit):
            raise UnitMismatchError(
                field=f"{name}.unit", value=self.unit.value, expected=f"{VolumeUnit(unit).value}"
            )

    def __repr__(self) -> str:
        return (
            f"Volume(shape={self.shape}, spacing_mm={tuple(round(s, 4) for s in self.spacing_mm)}, "
            f"unit={self.unit.value!r}, frame_of_reference_uid={self.frame_of_reference_uid!r})"
        )
