"""Activity and mass in regions, and the derived regions every report uses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.physics import BQ_PER_MBQ

from ._checks import require_mask_not_empty, require_same_grid

__all__ = [
    "activity_in_mbq",
    "non_tumour_liver",
    "outside_of",
    "region_mass_g",
    "region_mean_density_g_per_ml",
]


def activity_in_mbq(activity: Volume, occupancy: NDArray[np.float64] | None = None) -> float:
    """Activity (MBq) of a Bq/mL map, optionally weighted by an occupancy on its grid."""
    activity.require_unit(VolumeUnit.BQ_PER_ML, name="activity")
    values = np.asarray(activity.array, dtype=float)
    weights = values if occupancy is None else values * occupancy
    return float(weights.sum() * activity.voxel_volume_ml / BQ_PER_MBQ)


def region_mass_g(mask: Mask, density: Volume | float) -> float:
    """Mass in g of a mask with a density map (g/mL, same grid) or one density."""
    rho = np.asarray(density.array, dtype=float) if isinstance(density, Volume) else float(density)
    return float((mask.fraction * rho).sum() * mask.grid.voxel_volume_ml)


def region_mean_density_g_per_ml(mask: Mask, density: Volume | float) -> float:
    """Mean density of a region (its mass over its volume), g/mL.

    Examples
    --------
    >>> grid = Volume(np.ones((1, 1, 2)), np.eye(4), "1", "1.2.3")
    >>> rho = grid.with_array(np.array([[[0.26, 1.06]]]), VolumeUnit.G_PER_ML)
    >>> round(region_mean_density_g_per_ml(Mask("lung and liver", grid), rho), 3)
    0.66
    """
    require_mask_not_empty(mask)
    return region_mass_g(mask, density) / mask.volume_ml


def non_tumour_liver(liver: Mask, tumours: Sequence[Mask]) -> Mask:
    """Liver minus the tumours (occupancies subtracted, clipped to 0..1)."""
    require_mask_not_empty(liver)
    occupancy = liver.fraction.copy()
    for tumour in tumours:
        require_same_grid(liver.grid, tumour.grid, f"mask {tumour.name!r}")
        occupancy -= tumour.fraction
    return Mask.on_grid_of("non-tumour liver", liver.grid, np.clip(occupancy, 0.0, 1.0))


def outside_of(name: str, reference: Volume, masks: Sequence[Mask]) -> Mask:
    """Everything on ``reference``'s grid not covered by ``masks``."""
    occupancy = np.ones(reference.shape)
    for mask in masks:
        require_same_grid(reference, mask.grid, f"mask {mask.name!r}")
        occupancy -= mask.fraction
    return Mask.on_grid_of(name, reference, np.clip(occupancy, 0.0, 1.0))
