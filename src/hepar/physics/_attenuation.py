"""Photon attenuation (xraydb): body materials, any elemental composition, the gamma camera's
lead and NaI(Tl), and the bilinear CT-number to mu conversion.

This is the only module of hepar that talks to xraydb (Elam, Ravel & Sieber, Radiat Phys Chem
2002;63:121); other layers ask it for coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError

from ._constants import EV_PER_KEV, HU_SCALE, MM_PER_CM

__all__ = [
    "EV_PER_KEV",
    "MAX_ATTENUATION_ENERGY_KEV",
    "MAX_DETECTOR_ENERGY_KEV",
    "MIN_ATTENUATION_ENERGY_KEV",
    "MIN_DETECTOR_ENERGY_KEV",
    "MM_PER_CM",
    "DetectorMaterial",
    "Material",
    "MaterialComposition",
    "composition_attenuation_per_cm",
    "detector_attenuation_per_cm",
    "detector_material_composition",
    "hu_to_mu_per_cm",
    "linear_attenuation_per_cm",
    "material_composition",
]

#: Energy range of the body materials (and of any composition given by its elements).
MIN_ATTENUATION_ENERGY_KEV = 20.0
MAX_ATTENUATION_ENERGY_KEV = 600.0
#: Energy range of the camera's materials: from the lowest once-scattered photon energies that
#: reach the crystal to above the highest line a medium-energy collimator is used for.
MIN_DETECTOR_ENERGY_KEV = 10.0
MAX_DETECTOR_ENERGY_KEV = 800.0
#: Effective photon energy of a 120 kVp CT beam used to place bone on the HU scale (a common
#: choice for the bilinear model; Brown et al., Appl Radiat Isot 2008;66:1206).
DEFAULT_CT_EFFECTIVE_ENERGY_KEV = 70.0

# Relative atomic masses (IUPAC 2021 standard atomic weights, abridged), for mass -> atom fractions.
_ATOMIC_MASS = {
    "H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "Na": 22.990, "Mg": 24.305,
    "P": 30.974, "S": 32.06, "Cl": 35.45, "Ar": 39.95, "K": 39.098, "Ca": 40.078,
    "Fe": 55.845, "I": 126.90447, "Tl": 204.38, "Pb": 207.2,
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

    def __post_init__(self) -> None:
        unknown = [e for e, _ in self.mass_fractions if e not in _ATOMIC_MASS]
        if unknown:
            raise InvalidValueError(field="mass_fractions", value=unknown,
                                    expected=f"elements among {sorted(_ATOMIC_MASS)}")
        total = sum(fraction for _, fraction in self.mass_fractions)
        if not (all(f > 0 for _, f in self.mass_fractions) and abs(total - 1.0) <= 0.01):
            raise InvalidValueError(field="mass_fractions", value=round(total, 6),
                                    expected="positive mass fractions summing to 1 (+-1 %)")
        if not self.density_g_per_ml > 0:
            raise InvalidValueError(field="density_g_per_ml", value=self.density_g_per_ml,
                                    expected="a density > 0 g/mL")

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


class DetectorMaterial(StrEnum):
    """Materials of a gamma camera: collimator lead and the NaI(Tl) crystal."""

    LEAD = "lead"
    SODIUM_IODIDE = "NaI(Tl)"


_DETECTOR_COMPOSITIONS: dict[DetectorMaterial, MaterialComposition] = {
    # NIST XCOM / ESTAR material "Lead" (Z = 82): 11.35 g/cm^3.
    DetectorMaterial.LEAD: MaterialComposition((("Pb", 1.0),), 11.35, "NIST lead, 11.35 g/cm^3"),
    # NIST ESTAR material "Sodium Iodide": Na 0.153373, I 0.846627 by mass, 3.667 g/cm^3. The
    # thallium activator (about 0.1 % by mass) changes mu by far less than 0.1 % and is left out.
    DetectorMaterial.SODIUM_IODIDE: MaterialComposition(
        (("Na", 0.153373), ("I", 0.846627)), 3.667,
        "NIST sodium iodide, 3.667 g/cm^3 (Tl activator neglected)",
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


def detector_material_composition(material: DetectorMaterial | str) -> MaterialComposition:
    """Composition and density of a :class:`DetectorMaterial` (or its name)."""
    try:
        return _DETECTOR_COMPOSITIONS[DetectorMaterial(material)]
    except ValueError:
        raise InvalidValueError(
            field="material", value=material,
            expected=f"one of {[m.value for m in DetectorMaterial]}",
        ) from None


def _xraydb_mu_per_cm(composition: MaterialComposition,
                      energy_kev: float | NDArray[np.float64]) -> NDArray[np.float64]:
    import xraydb  # imported on first use: it loads a SQLite database (~0.5 s)

    return np.asarray(xraydb.material_mu(composition.formula(),
                                         np.asarray(energy_kev) * EV_PER_KEV,
                                         density=composition.density_g_per_ml), dtype=float)


@lru_cache(maxsize=4096)
def _mu_per_cm(material: Material, energy_kev: float) -> float:
    return float(_xraydb_mu_per_cm(_COMPOSITIONS[material], energy_kev))


@lru_cache(maxsize=4096)
def _composition_mu_per_cm(composition: MaterialComposition, energy_kev: float) -> float:
    return float(_xraydb_mu_per_cm(composition, energy_kev))


def _check_energy(energy_kev: float) -> float:
    energy = float(energy_kev)
    if not MIN_ATTENUATION_ENERGY_KEV <= energy <= MAX_ATTENUATION_ENERGY_KEV:
        raise InvalidValueError(
            field="energy_kev", value=energy_kev,
            expected=f"{MIN_ATTENUATION_ENERGY_KEV:g} to {MAX_ATTENUATION_ENERGY_KEV:g} keV",
        )
    return energy


def composition_attenuation_per_cm(composition: MaterialComposition, energy_kev: float) -> float:
    """Linear attenuation coefficient (1/cm) of a material given by its composition and density.

    For tissues that :class:`Material` does not name (ICRU Report 44/46 adipose, liver,
    kidney, ...); same data and energy range (20 to 600 keV) as
    :func:`linear_attenuation_per_cm`.

    Examples
    --------
    >>> water = MaterialComposition((("H", 0.111894), ("O", 0.888106)), 1.0, "H2O")
    >>> round(composition_attenuation_per_cm(water, 140.0), 4)
    0.1538
    """
    return _composition_mu_per_cm(composition, _check_energy(energy_kev))


def detector_attenuation_per_cm(material: DetectorMaterial | str,
                                energy_kev: ArrayLike) -> NDArray[np.float64]:
    """Linear attenuation coefficient (total, with coherent scattering) of lead or NaI(Tl), 1/cm.

    Valid from 10 to 800 keV (:data:`MIN_DETECTOR_ENERGY_KEV`, :data:`MAX_DETECTOR_ENERGY_KEV`);
    accepts a scalar or an array of energies and returns an array of the same shape. Compositions
    and densities from NIST (:func:`detector_material_composition`).

    Examples
    --------
    >>> round(float(detector_attenuation_per_cm("lead", 140.5)), 2)
    26.89
    """
    composition = detector_material_composition(material)
    energy = np.asarray(energy_kev, dtype=float)
    if energy.size == 0:
        return np.zeros(energy.shape)
    if not (np.all(np.isfinite(energy)) and energy.min() >= MIN_DETECTOR_ENERGY_KEV
            and energy.max() <= MAX_DETECTOR_ENERGY_KEV):
        shown = float(energy) if energy.ndim == 0 else (float(energy.min()), float(energy.max()))
        raise InvalidValueError(
            field="energy_kev", value=shown,
            expected=f"{MIN_DETECTOR_ENERGY_KEV:g} to {MAX_DETECTOR_ENERGY_KEV:g} keV",
        )
    return _xraydb_mu_per_cm(composition, energy.ravel()).reshape(energy.shape)


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
    hu_bone = HU_SCALE * (
        linear_attenuation_per_cm(Material.BONE, ct_effective_energy_kev)
        / linear_attenuation_per_cm(Material.WATER, ct_effective_energy_kev)
        - 1.0
    )
    return np.where(
        values <= 0.0,
        mu_water * (1.0 + values / HU_SCALE),
        mu_water + values * (mu_bone - mu_water) / hu_bone,
    )
