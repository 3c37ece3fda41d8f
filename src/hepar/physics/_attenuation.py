"""Photon attenuation of body materials (xraydb) and the bilinear CT-number to mu conversion."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError

__all__ = [
    "MAX_ATTENUATION_ENERGY_KEV",
    "MIN_ATTENUATION_ENERGY_KEV",
    "Material",
    "MaterialComposition",
    "hu_to_mu_per_cm",
    "linear_attenuation_per_cm",
    "material_composition",
]

MIN_ATTENUATION_ENERGY_KEV = 20.0
MAX_ATTENUATION_ENERGY_KEV = 600.0
#: Effective photon energy of a 120 kVp CT beam used to place bone on the HU scale (a common
#: choice for the bilinear model; Brown et al., Appl Radiat Isot 2008;66:1206).
DEFAULT_CT_EFFECTIVE_ENERGY_KEV = 70.0

# Relative atomic masses (IUPAC 2021 standard atomic weights, abridged), for mass -> atom fractions.
_ATOMIC_MASS = {
    "H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "Na": 22.990, "Mg": 24.305,
    "P": 30.974, "S": 32.06, "Cl": 35.45, "Ar": 39.95, "K": 39.098, "Ca": 40.078,
}


class Material(StrEnum):
    """Body materials with an attenuation model."""

    WATER = "water"
    SOFT_TISSUE = "soft tissue"
    LUNG = "lung"
    BONE = "bone"
    AIR = "air"


@dataclass(frozen=True)
class MaterialComposition:
    """Elemental composition by mass fraction and density of a material."""

    mass_fractions: tuple[tuple[str, float], ...]
    density_g_per_ml: float
    source: str

    def formula(self) -> str:
        """Chemical formula with relative atom counts, as xraydb parses it."""
        parts = []
        for element, fraction in self.mass_fractions:
            parts.append(f"{element}{fraction / _ATOMIC_MASS[element]:.6f}")
        return "".join(parts)


_COMPOSITIONS: dict[Material, MaterialComposition] = {
    Material.WATER: MaterialComposition((("H", 0.111894), ("O", 0.888106)), 1.0, "H2O"),
    # ICRU Report 44 (1989) / 46 (1992), as tabulated by NIST (Tissue, Soft (ICRU-44)).
    Material.SOFT_TISSUE: MaterialComposition(
        (("H", 0.102), ("C", 0.143), ("N", 0.034), ("O", 0.708), ("Na", 0.002), ("P", 0.003),
         ("S", 0.003), ("Cl", 0.002), ("K", 0.003)),
        1.06, "ICRU Report 44, soft tissue",
    ),
    # ICRU Report 44 lung tissue composition; density of inflated lung 0.26 g/mL (ICRP 89 adult
    # lung including blood and air, as used for lung dosimetry).
    Material.LUNG: MaterialComposition(
        (("H", 0.103), ("C", 0.105), ("N", 0.031), ("O", 0.749), ("Na", 0.002), ("P", 0.002),
         ("S", 0.003), ("Cl", 0.003), ("K", 0.002)),
        0.26, "ICRU Report 44 lung composition, inflated-lung density 0.26 g/mL",
    ),
    # ICRU Report 44 / 46 cortical bone.
    Material.BONE: MaterialComposition(
        (("H", 0.034), ("C", 0.155), ("N", 0.042), ("O", 0.435), ("Na", 0.001), ("Mg", 0.002),
         ("P", 0.103), ("S", 0.003), ("Ca", 0.225)),
        1.92, "ICRU Report 44, cortical bone",
    ),
    # NIST "Air, Dry (near sea level)".
    Material.AIR: MaterialComposition(
        (("C", 0.000124), ("N", 0.755268), ("O", 0.231781), ("Ar", 0.012827)),
        0.001205, "NIST dry air near sea level",
    ),
}


def material_composition(material: Material | str) -> MaterialComposition:
    """Composition and density of a :class:`Material` (or its name)."""
    try:
        return _COMPOSITIONS[Material(material)]
    except ValueError:
        raise InvalidValueError(
            field="material", value=material, expected=f"one of {[m.value for m in Material]}"
        ) from None


@lru_cache(maxsize=4096)
def _mu_per_cm(material: Material, energy_kev: float) -> float:
    import xraydb  # imported on first use: it loads a SQLite database (~0.5 s)

    composition = _COMPOSITIONS[material]
    return float(
        xraydb.material_mu(
            composition.formula(), energy_kev * 1000.0, density=composition.density_g_per_ml
        )
    )


def _check_energy(energy_kev: float) -> float:
    energy = float(energy_kev)
    if not MIN_ATTENUATION_ENERGY_KEV <= energy <= MAX_ATTENUATION_ENERGY_KEV:
        raise InvalidValueError(
            field="energy_kev", value=energy_kev,
            expected=f"{MIN_ATTENUATION_ENERGY_KEV:g} to {MAX_ATTENUATION_ENERGY_KEV:g} keV",
        )
    return energy


def linear_attenuation_per_cm(material: Material | str, energy_kev: float) -> float:
    """Linear attenuation coefficient (total, with coherent scattering) in 1/cm.

    Computed by xraydb (Elam, Ravel & Sieber, Radiat Phys Chem 2002;63:121) from the material's
    elemental composition and density.

    Examples
    --------
    >>> round(linear_attenuation_per_cm("water", 140.0), 4)
    0.1538
    """
    material_composition(material)
    return _mu_per_cm(Material(material), _check_energy(energy_kev))


def hu_to_mu_per_cm(
    hu: ArrayLike,
    energy_kev: float,
    *,
    ct_effective_energy_kev: float = DEFAULT_CT_EFFECTIVE_ENERGY_KEV,
) -> NDArray[np.float64]:
    """Convert CT numbers to linear attenuation coefficients at a photon energy (bilinear model).

    Below 0 HU a voxel is taken as a mix of air and water; above 0 HU as a mix of water and
    cortical bone (Kinahan et al., Med Phys 1998;25:2046; Brown et al., Appl Radiat Isot
    2008;66:1206):

    .. math::
        \\mu(E) = \\mu_w(E)\\,(1 + H/1000)                       \\quad H \\le 0

        \\mu(E) = \\mu_w(E) + H\\,\\frac{\\mu_b(E) - \\mu_w(E)}{H_b}  \\quad H > 0,
        \\qquad H_b = 1000\\left(\\frac{\\mu_b(E_{CT})}{\\mu_w(E_{CT})} - 1\\right)

    Parameters
    ----------
    hu
        CT numbers (array or scalar); values below -1000 are treated as -1000.
    energy_kev
        Photon energy of the emission (e.g. 80.6 keV for 166Ho, 208 keV for 177Lu).
    ct_effective_energy_kev
        Effective energy of the CT beam, where bone's CT number ``H_b`` is evaluated.

    Examples
    --------
    >>> mu = hu_to_mu_per_cm([-1000.0, 0.0], 140.0)
    >>> float(mu[0]), round(float(mu[1]), 4)
    (0.0, 0.1538)
    """
    values = np.maximum(np.asarray(hu, dtype=float), -1000.0)
    mu_water = linear_attenuation_per_cm(Material.WATER, energy_kev)
    mu_bone = linear_attenuation_per_cm(Material.BONE, energy_kev)
    hu_bone = 1000.0 * (
        linear_attenuation_per_cm(Material.BONE, ct_effective_energy_kev)
        / linear_attenuation_per_cm(Material.WATER, ct_effective_energy_kev)
        - 1.0
    )
    return np.where(
        values <= 0.0,
        mu_water * (1.0 + values / 1000.0),
        mu_water + values * (mu_bone - mu_water) / hu_bone,
    )
