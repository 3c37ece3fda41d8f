"""Attenuation in the camera's own materials, per mm: lead (collimator) and NaI(Tl) (crystal).

The coefficients come from :func:`hepar.physics.detector_attenuation_per_cm` (NIST
compositions and densities, xraydb cross-sections); this module only states them per mm, the
simulator's length unit, and keeps a table of NaI for the spectra of scattered photons.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError
from hepar.physics import (
    MAX_DETECTOR_ENERGY_KEV,
    MIN_DETECTOR_ENERGY_KEV,
    MM_PER_CM,
    DetectorMaterial,
    detector_attenuation_per_cm,
)

__all__ = ["lead_mu_per_mm", "nai_mu_per_mm", "nai_mu_per_mm_array"]

#: Step of the NaI table (keV): fine enough that log-log interpolation between steps is
#: exact to < 0.1 % away from the iodine K edge (33.2 keV), which it smears over one step.
_TABLE_STEP_KEV = 0.5


@lru_cache(maxsize=256)
def lead_mu_per_mm(energy_kev: float) -> float:
    """Total linear attenuation coefficient of lead in 1/mm (10 to 800 keV).

    Examples
    --------
    >>> round(2.0 / lead_mu_per_mm(140.5), 2)  # the 2/mu term of the effective hole length
    0.74
    """
    return float(detector_attenuation_per_cm(DetectorMaterial.LEAD, energy_kev)) / MM_PER_CM


@lru_cache(maxsize=256)
def nai_mu_per_mm(energy_kev: float) -> float:
    """Total linear attenuation coefficient of NaI(Tl) in 1/mm (10 to 800 keV)."""
    return float(detector_attenuation_per_cm(DetectorMaterial.SODIUM_IODIDE,
                                             energy_kev)) / MM_PER_CM


@lru_cache(maxsize=1)
def _nai_table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    energy = np.arange(MIN_DETECTOR_ENERGY_KEV, MAX_DETECTOR_ENERGY_KEV + _TABLE_STEP_KEV / 2,
                       _TABLE_STEP_KEV)
    mu = detector_attenuation_per_cm(DetectorMaterial.SODIUM_IODIDE, energy) / MM_PER_CM
    return np.log(energy), np.log(mu)


def nai_mu_per_mm_array(energy_kev: ArrayLike) -> NDArray[np.float64]:
    """:func:`nai_mu_per_mm` for an array of energies (log-log interpolation of a 0.5 keV
    table; the iodine K edge at 33.2 keV is smeared over one 0.5 keV step)."""
    energy = np.asarray(energy_kev, dtype=float)
    if energy.size and (energy.min() < MIN_DETECTOR_ENERGY_KEV
                        or energy.max() > MAX_DETECTOR_ENERGY_KEV):
        raise InvalidValueError(
            field="energy_kev", value=(float(energy.min()), float(energy.max())),
            expected=f"photon energies from {MIN_DETECTOR_ENERGY_KEV:g} to "
            f"{MAX_DETECTOR_ENERGY_KEV:g} keV",
        )
    log_e, log_mu = _nai_table()
    return np.exp(np.interp(np.log(energy), log_e, log_mu))
