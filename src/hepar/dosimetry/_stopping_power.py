"""Electron slowing down and angular spreading in liquid water.

The two cross-section quantities the condensed-history transport in
:mod:`hepar.dosimetry._electron_transport` needs, from first principles:

- the collision stopping power (Bethe formula for electrons with the Sternheimer density effect),
  whose inverse integrated over energy gives the CSDA range;
- the first transport mean free path of elastic scattering (screened Rutherford cross section with
  Molière's screening angle), which fixes how quickly an electron forgets its direction.

Water stands for soft tissue: tissue kernels are obtained by scaling distances with density
(mass-thickness scaling: a kernel in g/cm^2 divided by the density gives distances in cm).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "collision_stopping_power_mev_cm2_per_g",
    "csda_range_g_per_cm2",
    "transport_mean_free_path_g_per_cm2",
]

#: Electron rest energy in MeV (CODATA 2018).
ELECTRON_REST_ENERGY_MEV = 0.51099895
#: Classical electron radius in cm (CODATA 2018).
CLASSICAL_ELECTRON_RADIUS_CM = 2.8179403262e-13
#: Avogadro constant in 1/mol (exact, 2019 SI).
AVOGADRO_PER_MOL = 6.02214076e23
#: Fine-structure constant (CODATA 2018).
FINE_STRUCTURE = 1.0 / 137.035999084
#: 2 pi r_e^2 m c^2 N_A in MeV cm^2/mol (ICRU Report 37, 1984, eq. 2.3 prefactor).
_BETHE_PREFACTOR = (
    2.0 * math.pi * CLASSICAL_ELECTRON_RADIUS_CM**2 * ELECTRON_REST_ENERGY_MEV * AVOGADRO_PER_MOL
)
#: Liquid water: Z/A, mean excitation energy 75 eV and Sternheimer density-effect parameters
#: (-C, X0, X1, a, m) from ICRU Report 37 (1984) / Sternheimer, Berger & Seltzer, At Data Nucl Data
#: Tables 1984;30:261.
_WATER_Z_OVER_A = 0.55508
_WATER_I_MEV = 75.0e-6
_WATER_STERNHEIMER = (3.5017, 0.2400, 2.8004, 0.09116, 3.4773)
#: Atoms per water molecule as (Z, count), and molar mass in g/mol.
_WATER_ATOMS = ((1, 2), (8, 1))
_WATER_MOLAR_MASS_G = 18.015
#: Energy grid of the range table (MeV).
_RANGE_GRID_MEV = np.geomspace(1.0e-4, 5.0, 3000)


def _kinematics(energy_mev: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    tau = energy_mev / ELECTRON_REST_ENERGY_MEV
    gamma = tau + 1.0
    beta2 = 1.0 - 1.0 / gamma**2
    pc_mev = np.sqrt(energy_mev * (energy_mev + 2.0 * ELECTRON_REST_ENERGY_MEV))
    return tau, gamma, beta2, pc_mev


def collision_stopping_power_mev_cm2_per_g(energy_mev: ArrayLike) -> NDArray[np.float64]:
    """Mass collision stopping power of liquid water for electrons, MeV cm^2/g.

    .. math::
        \\frac{S_\\mathrm{col}}{\\rho} = \\frac{2\\pi r_e^2 m c^2 N_A Z/A}{\\beta^2}
        \\left[\\ln\\frac{\\tau^2(\\tau+2)}{2 (I/mc^2)^2} + F^-(\\tau) - \\delta\\right],
        \\quad F^- = 1 - \\beta^2 + \\frac{\\tau^2/8 - (2\\tau+1)\\ln 2}{(\\tau+1)^2}

    (ICRU Report 37, 1984, eqs. 2.3 and 2.4; density effect from Sternheimer's parametrisation).

    Examples
    --------
    >>> # ESTAR (NIST) liquid water: 4.115 MeV cm^2/g at 100 keV
    >>> round(float(collision_stopping_power_mev_cm2_per_g(0.1)), 3)
    4.115
    """
    energy = np.asarray(energy_mev, dtype=float)
    tau, gamma, beta2, _ = _kinematics(energy)
    f_minus = 1.0 - beta2 + (tau**2 / 8.0 - (2.0 * tau + 1.0) * math.log(2.0)) / (tau + 1.0) ** 2
    c_bar, x0, x1, a, m = _WATER_STERNHEIMER
    x = np.log10(np.sqrt(gamma**2 - 1.0))
    delta = np.where(
        x >= x1, 4.6052 * x - c_bar,
        np.where(x >= x0, 4.6052 * x - c_bar + a * np.clip(x1 - x, 0.0, None) ** m, 0.0),
    )
    log_term = np.log(tau**2 * (tau + 2.0) / (2.0 * (_WATER_I_MEV / ELECTRON_REST_ENERGY_MEV) ** 2))
    return np.asarray(
        _BETHE_PREFACTOR * _WATER_Z_OVER_A / beta2 * (log_term + f_minus - delta), dtype=float
    )


@lru_cache(maxsize=1)
def _range_table() -> NDArray[np.float64]:
    grid = _RANGE_GRID_MEV
    inverse = 1.0 / collision_stopping_power_mev_cm2_per_g(grid)
    steps = np.diff(grid) * 0.5 * (inverse[1:] + inverse[:-1])
    # below the first grid point the range is taken as E/S (a few nm; negligible)
    return np.concatenate([[grid[0] * inverse[0]], grid[0] * inverse[0] + np.cumsum(steps)])


def csda_range_g_per_cm2(energy_mev: ArrayLike) -> NDArray[np.float64]:
    """CSDA range in water, g/cm^2: :math:`R(E) = \\int_0^E dE' / S_\\mathrm{col}(E')`.

    Radiative losses are left out (they carry under 1 % of the energy below 2 MeV in water and leave
    as bremsstrahlung photons).

    Examples
    --------
    >>> # ESTAR liquid water CSDA range at 100 keV: 1.431e-2 g/cm^2
    >>> round(float(csda_range_g_per_cm2(0.1)), 5)
    0.01432
    """
    energy = np.clip(np.asarray(energy_mev, dtype=float), _RANGE_GRID_MEV[0], _RANGE_GRID_MEV[-1])
    table = _range_table()
    return np.exp(np.interp(np.log(energy), np.log(_RANGE_GRID_MEV), np.log(table)))


def transport_mean_free_path_g_per_cm2(energy_mev: ArrayLike) -> NDArray[np.float64]:
    """First transport mean free path of elastic scattering in water, g/cm^2.

    Screened Rutherford cross section, :math:`d\\sigma/d\\Omega \\propto Z(Z+1)/(1-\\cos\\theta
    + 2\\eta)^2`, whose transport cross section is

    .. math::
        \\sigma_1 = 2\\pi Z(Z+1)\\left(\\frac{r_e m c^2}{p c\\,\\beta}\\right)^2
        \\left[\\ln\\frac{1+\\eta}{\\eta} - \\frac{1}{1+\\eta}\\right],

    with Molière's screening parameter :math:`\\eta = \\tfrac14 \\chi_0^2 (1.13 + 3.76
    (\\alpha Z/\\beta)^2)`, :math:`\\chi_0 = \\alpha\\, (m c/p)\\, Z^{1/3}/0.885` (Molière
    1947/1948,
    as written in Bethe, Phys Rev 1953;89:1256). :math:`\\lambda_1 = 1/(N \\sum_i n_i
    \\sigma_{1,i})`.

    Examples
    --------
    Faster electrons keep their direction longer (the cross section falls roughly as
    :math:`1/(p\\beta)^2`):

    >>> bool(transport_mean_free_path_g_per_cm2(1.0) > 10 * transport_mean_free_path_g_per_cm2(0.1))
    True
    """
    energy = np.asarray(energy_mev, dtype=float)
    _, _, beta2, pc_mev = _kinematics(energy)
    total = np.zeros_like(energy)
    for z, count in _WATER_ATOMS:
        chi0 = FINE_STRUCTURE * (ELECTRON_REST_ENERGY_MEV / pc_mev) * z ** (1.0 / 3.0) / 0.885
        eta = 0.25 * chi0**2 * (1.13 + 3.76 * (FINE_STRUCTURE * z) ** 2 / beta2)
        prefactor = z * (z + 1) * (
            CLASSICAL_ELECTRON_RADIUS_CM * ELECTRON_REST_ENERGY_MEV / (pc_mev * np.sqrt(beta2))
        ) ** 2
        total = total + count * 2.0 * math.pi * prefactor * (
            np.log((1.0 + eta) / eta) - 1.0 / (1.0 + eta)
        )
    molecules_per_g = AVOGADRO_PER_MOL / _WATER_MOLAR_MASS_G
    return np.asarray(1.0 / (total * molecules_per_g), dtype=float)
