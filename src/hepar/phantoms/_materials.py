"""Attenuation in the camera's own materials: lead (collimator) and NaI(Tl) (crystal).

hepar.physics covers body materials only; the gamma camera's materials are needed only by the
acquisition simulator, so they live here. Cross-sections come from xraydb (Elam, Ravel & Sieber,
Radiat Phys Chem 2002;63:121), the same library hepar.physics uses.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import xraydb
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError

__all__ = [
    "LEAD_DENSITY_G_PER_ML",
    "NAI_DENSITY_G_PER_ML",
    "lead_mu_per_mm",
    "nai_mu_per_mm",
    "nai_mu_per_mm_array",
]

#: Density of lead (CRC Handbook of Chemistry and Physics): 11.35 g/cm^3.
LEAD_DENSITY_G_PER_ML = 11.35
#: Density of sodium iodide (CRC Handbook of Chemistry and Physics): 3.67 g/cm^3.
NAI_DENSITY_G_PER_ML = 3.67


def _energy_ev(energy_kev: float) -> float:
    energy = float(energy_kev)
    if not 10.0 <= energy <= 800.0:
        raise InvalidValueError(
            field="energy_kev", value=energy_kev,
            expected="a photon energy from 10 to 800 keV (xraydb Elam tables)",
        )
    return energy * 1000.0


@lru_cache(maxsize=256)
def lead_mu_per_mm(energy_kev: float) -> float:
    """Total linear attenuation coefficient of lead in 1/mm.

    Examples
    --------
    >>> round(2.0 / lead_mu_per_mm(140.5), 2)  # the 2/mu term of the effective hole length
    0.74
    """
    return float(xraydb.material_mu("Pb", _energy_ev(energy_kev), LEAD_DENSITY_G_PER_ML)) / 10.0


@lru_cache(maxsize=256)
def nai_mu_per_mm(energy_kev: float) -> float:
    """Total linear attenuation coefficient of NaI in 1/mm."""
    return float(xraydb.material_mu("NaI", _energy_ev(energy_kev), NAI_DENSITY_G_PER_ML)) / 10.0


@lru_cache(maxsize=1)
def _nai_table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    energy = np.arange(10.0, 800.5, 0.5)
    mu = np.asarray(xraydb.material_mu("NaI", energy * 1000.0, NAI_DENSITY_G_PER_ML), float)
    return np.log(energy), np.log(mu / 10.0)


def nai_mu_per_mm_array(energy_kev: ArrayLike) -> NDArray[np.float64]:
    """:func:`nai_mu_per_mm` for an array of energies (log-log interpolation of a 0.5 keV
    table; the iodine K edge at 33.2 keV is smeared over one 0.5 keV step)."""
    energy = np.asarray(energy_kev, dtype=float)
    if energy.size and (energy.min() < 10.0 or energy.max() > 800.0):
        raise InvalidValueError(
            field="energy_kev", value=(float(energy.min()), float(energy.max())),
            expected="photon energies from 10 to 800 keV (xraydb Elam tables)",
        )
    log_e, log_mu = _nai_table()
    return np.exp(np.interp(np.log(energy), log_e, log_mu))
