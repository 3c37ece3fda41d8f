"""Regions of interest with their own geometry, and their mass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hepar.errors import GeometryError, InvalidValueError

from ._units import VolumeUnit
from ._volume import Volume

__all__ = ["Mask", "mask_mass_g", "mask_volume_ml"]


@dataclass(frozen=True, eq=False)
class Mask:
    """A named region on its own grid: a boolean or fractional (0..1) occupancy per voxel.

    Parameters
    ----------
    name
        The region's name (``"liver"``, ``"lesion 3"``).
    grid
        A :class:`Volume` of unit ``"1"`` holding the occupancy; its affine and frame of reference
        place the mask in patient space.

    Examples
    --------
    >>> from hepar.imaging import affine_from_geometry
    >>> grid = Volume(np.ones((2, 2, 2)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
    ...               spacing_mm=(10, 10, 10)), "1", "1.2.3")
    >>> Mask("cube", grid).volume_ml
    8.0
    """

    name: str
    grid: Volume

    def __post_init__(self) -> None:
        occupancy = np.asarray(self.grid.array)
        if occupancy.dtype != bool:
            occupancy = occupancy.astype(float)
            if occupancy.size and (occupancy.min() < 0 or occupancy.max() > 1 + 1e-9):
                raise InvalidValueError(
                    field=f"mask {self.name!r}", value=(occupancy.min(), occupancy.max()),
                    expected="occupancy between 0 and 1",
                )
        if self.grid.unit != VolumeUnit.FRACTION:
            object.__setattr__(self, "grid", self.grid.with_array(occupancy, VolumeUnit.FRACTION))

    @classmethod
    def on_grid_of(cls, name: str, reference: Volume, occupancy: NDArray[Any]) -> Mask:
        """A mask with ``occupancy`` on the grid of ``reference``."""
        return cls(name, reference.with_array(occupancy, VolumeUnit.FRACTION))

    @property
    def fraction(self) -> NDArray[np.float64]:
        """Occupancy of each voxel as float in 0..1."""
        return np.asarray(self.grid.array, dtype=float)

    @property
    def boolean(self) -> NDArray[np.bool_]:
        """Voxels at least half inside the region."""
        return self.fraction >= 0.5

    @property
    def voxel_count(self) -> float:
        """Number of voxels, fractional voxels counted by their occupancy."""
        return float(self.fraction.sum())

    @property
    def volume_ml(self) -> float:
        """Volume of the region in mL."""
        return mask_volume_ml(self)


def mask_volume_ml(mask: Mask) -> float:
    """Volume of a mask in mL: sum of occupancy times voxel volume."""
    return float(mask.fraction.sum() * mask.grid.voxel_volume_ml)


def mask_mass_g(mask: Mask, density_g_per_ml: Volume | float) -> float:
    """Mass of the region in g.

    .. math:: m = \\sum_v f_v \\, \\rho_v \\, V_v

    Parameters
    ----------
    mask
        The region, with occupancy ``f_v``.
    density_g_per_ml
        A density map in g/mL on the mask's grid, or one density for the whole region (for soft
        tissue 1.06 g/mL, ICRU 46 / the Utrecht 166Ho convention, REFERENCE.md).

    Examples
    --------
    >>> from hepar.imaging import affine_from_geometry
    >>> grid = Volume(np.ones((10, 10, 10)), affine_from_geometry(origin_lps_mm=(0, 0, 0),
    ...               spacing_mm=(10, 10, 10)), "1", "1.2.3")
    >>> round(mask_mass_g(Mask("liver", grid), 1.06), 6)
    1060.0
    """
    if isinstance(density_g_per_ml, Volume):
        density_g_per_ml.require_unit(VolumeUnit.G_PER_ML, name="density")
        if not mask.grid.same_grid(density_g_per_ml):
            raise GeometryError(
                field="density_g_per_ml", value=repr(density_g_per_ml),
                expected=f"the grid of mask {mask.name!r}: {mask.grid!r}; resample first",
            )
        density = np.asarray(density_g_per_ml.array, dtype=float)
    else:
        density = np.full(mask.grid.shape, float(density_g_per_ml))
        if float(density_g_per_ml) <= 0:
            raise InvalidValueError(
                field="density_g_per_ml", value=density_g_per_ml, expected="a positive density"
            )
    return float((mask.fraction * density).sum() * mask.grid.voxel_volume_ml)
