"""Dose–volume histograms and the dose metrics read from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.physics import SOFT_TISSUE_DENSITY_G_PER_ML

from ._checks import require_mask_not_empty, require_same_grid

__all__ = [
    "DEFAULT_D_LEVELS", "DEFAULT_V_LEVELS_GY", "DoseVolumeHistogram", "dose_volume_histogram",
]

#: D_x levels reported by default (percent of the VOI's mass).
DEFAULT_D_LEVELS = (2.0, 50.0, 70.0, 90.0, 98.0)
#: V_x levels reported by default (Gy).
DEFAULT_V_LEVELS_GY = (20.0, 40.0, 60.0, 100.0, 150.0)


@dataclass(frozen=True, eq=False)
class DoseVolumeHistogram:
    """Mass-weighted dose–volume histogram of one VOI (fractional voxels weigh by occupancy).

    ``cumulative`` is the fraction of the VOI receiving at least each ``bin_edges_gy`` value;
    ``differential`` the fraction in each bin (``len(bin_edges_gy) - 1`` values).
    """

    name: str
    bin_edges_gy: NDArray[np.float64]
    cumulative: NDArray[np.float64]
    differential: NDArray[np.float64]
    mass_g: float
    volume_ml: float
    mean_gy: float
    min_gy: float
    max_gy: float
    _sorted_dose_gy: NDArray[np.float64]
    _sorted_weight: NDArray[np.float64]

    def d_percent(self, percent: float) -> float:
        """:math:`D_x`: the minimum dose to the most irradiated ``percent`` % of the VOI's mass.

        Examples
        --------
        >>> from hepar.imaging import Mask
        >>> dose = Volume(np.arange(1.0, 11.0).reshape(1, 1, 10), np.eye(4), "Gy", "1.2.3")
        >>> dvh = dose_volume_histogram(dose, Mask.on_grid_of("r", dose, np.ones((1, 1, 10))))
        >>> dvh.d_percent(50.0), dvh.d_percent(90.0), dvh.d_percent(100.0)
        (6.0, 2.0, 1.0)
        """
        if not 0.0 < percent <= 100.0:
            raise InvalidValueError(field="percent", value=percent, expected="0 < percent <= 100")
        cumulative = np.cumsum(self._sorted_weight)  # descending dose order
        index = int(np.searchsorted(cumulative, percent / 100.0 * cumulative[-1] * (1 - 1e-12)))
        return float(self._sorted_dose_gy[min(index, cumulative.size - 1)])

    @property
    def median_gy(self) -> float:
        """Median dose (= D50)."""
        return self.d_percent(50.0)

    def v_gy(self, dose_gy: float) -> float:
        """:math:`V_x`: fraction (0..1) of the VOI's mass receiving at least ``dose_gy``."""
        weights = self._sorted_weight
        return float(weights[self._sorted_dose_gy >= dose_gy].sum() / weights.sum())

    def summary(
        self,
        d_levels: tuple[float, ...] = DEFAULT_D_LEVELS,
        v_levels_gy: tuple[float, ...] = DEFAULT_V_LEVELS_GY,
    ) -> dict[str, Any]:
        """Plain-JSON metrics: mass, volume, mean, median, min, max, D_x and V_x (percent)."""
        data: dict[str, Any] = {
            "name": self.name,
            "mass_g": self.mass_g,
            "volume_ml": self.volume_ml,
            "mean_gy": self.mean_gy,
            "median_gy": self.median_gy,
            "min_gy": self.min_gy,
            "max_gy": self.max_gy,
        }
        for level in d_levels:
            data[f"D{level:g}_gy"] = self.d_percent(level)
        for level in v_levels_gy:
            data[f"V{level:g}Gy_percent"] = 100.0 * self.v_gy(level)
        return data


def dose_volume_histogram(
    dose: Volume,
    mask: Mask,
    *,
    density: Volume | float = SOFT_TISSUE_DENSITY_G_PER_ML,
    bin_width_gy: float | None = None,
) -> DoseVolumeHistogram:
    """Dose–volume histogram of ``mask`` in ``dose`` (Gy), weighted by mass.

    Parameters
    ----------
    dose
        Absorbed-dose map in Gy.
    mask
        The VOI, on the dose grid (resample it first).
    density
        Density map (g/mL) on the dose grid, or one density; weights each voxel by its mass.
    bin_width_gy
        Histogram bin width; 1/200 of the VOI's maximum dose by default.
    """
    dose.require_unit(VolumeUnit.GY, name="dose")
    require_same_grid(dose, mask.grid, f"mask {mask.name!r}")
    require_mask_not_empty(mask)
    if isinstance(density, Volume):
        require_same_grid(dose, density, "density")
        rho = np.asarray(density.array, dtype=float).ravel()
    else:
        rho = np.full(int(np.prod(dose.shape)), float(density))
    occupancy = mask.fraction.ravel()
    inside = occupancy > 0
    values = np.asarray(dose.array, dtype=float).ravel()[inside]
    mass = occupancy[inside] * rho[inside] * dose.voxel_volume_ml
    order = np.argsort(values)[::-1]
    sorted_dose, sorted_mass = values[order], mass[order]
    top = float(values.max())
    width = bin_width_gy if bin_width_gy is not None else max(top, 1e-12) / 200.0
    if not width > 0:
        raise InvalidValueError(
            field="bin_width_gy", value=bin_width_gy, expected="a positive width"
        )
    edges = np.arange(0.0, top + 2.0 * width, width)
    differential = np.histogram(values, edges, weights=mass)[0] / mass.sum()
    cumulative = np.concatenate([[1.0], 1.0 - np.cumsum(differential)])
    cumulative = np.clip(cumulative, 0.0, 1.0)
    return DoseVolumeHistogram(
        name=mask.name,
        bin_edges_gy=edges,
        cumulative=cumulative,
        differential=differential,
        mass_g=float(mass.sum()),
        volume_ml=float(occupancy[inside].sum() * dose.voxel_volume_ml),
        mean_gy=float(np.dot(values, mass) / mass.sum()),
        min_gy=float(values.min()),
        max_gy=top,
        _sorted_dose_gy=sorted_dose,
        _sorted_weight=sorted_mass,
    )
