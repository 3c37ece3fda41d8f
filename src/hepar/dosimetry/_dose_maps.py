"""Absorbed-dose maps: local deposition and kernel convolution, with density scaling."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.imaging import Volume, VolumeUnit
from hepar.physics import (
    G_PER_KG,
    J_PER_MEV,
    MJ_PER_J,
    S_PER_H,
    SOFT_TISSUE_DENSITY_G_PER_ML,
    decay_constant_per_h,
    decay_factor,
    number_of_decays,
)

from ._checks import require_nonnegative, require_positive, require_same_grid
from ._convolution import fft_convolve_same
from ._voxel_kernel import VoxelKernel

__all__ = [
    "energy_per_decay_mev",
    "kernel_convolution_dose",
    "local_deposition_dose",
    "permanent_implant_tia",
]


def energy_per_decay_mev(absorbed_energy_mj_per_mbq: float, half_life_h: float) -> float:
    """Energy absorbed per decay (MeV) behind an "absorbed energy per MBq fully decayed".

    .. math:: \\bar E = \\frac{E_{\\mathrm{MBq}}}{N_{\\mathrm{MBq}}},\\qquad
              N_{\\mathrm{MBq}} = 10^6 \\cdot 3600 \\cdot T_{1/2}/\\ln 2

    Examples
    --------
    >>> round(energy_per_decay_mev(15.87, 26.8), 4)  # 166Ho clinical convention
    0.7116
    """
    energy_j = require_positive("absorbed_energy_mj_per_mbq", absorbed_energy_mj_per_mbq) / MJ_PER_J
    return float(energy_j / float(number_of_decays(1.0, half_life_h)) / J_PER_MEV)


def permanent_implant_tia(
    activity: Volume,
    *,
    half_life_h: float,
    scan_time: datetime,
    administration_time: datetime,
) -> Volume:
    """Time-integrated activity of a permanent implant (physical decay only), Bq·s/mL.

    The scan measures :math:`A(t_s)`; the implant held :math:`A_0 = A(t_s)\\,e^{\\lambda (t_s -
    t_0)}` at administration and delivers :math:`\\tilde A = A_0/\\lambda` (166Ho microspheres
    do not
    wash out; REFERENCE.md, EANM guideline Weber et al. 2022).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from hepar.imaging import affine_from_geometry
    >>> t0 = datetime(2025, 3, 1, 10, tzinfo=timezone.utc)
    >>> a = Volume(np.full((1, 1, 1), 1.0e6), np.eye(4), "Bq/mL", "1.2.3")
    >>> tia = permanent_implant_tia(a, half_life_h=26.8, scan_time=t0, administration_time=t0)
    >>> f"{float(tia.array[0, 0, 0]):.4e}"
    '1.3919e+11'
    """
    activity.require_unit(VolumeUnit.BQ_PER_ML, name="activity")
    require_nonnegative(activity, "activity")
    back = decay_factor(scan_time, administration_time, half_life_h)  # A(t0)/A(ts)
    if back < 1.0 - 1e-12:
        raise InvalidValueError(
            field="scan_time", value=scan_time.isoformat(),
            expected=f"a time at or after the administration ({administration_time.isoformat()})",
        )
    seconds = S_PER_H / decay_constant_per_h(half_life_h)
    tia = np.asarray(activity.array, dtype=float) * back * seconds
    return activity.with_array(tia, VolumeUnit.BQ_S_PER_ML)


def _mass_kg(reference: Volume, density: Volume | float) -> NDArray[np.float64] | float:
    if isinstance(density, Volume):
        density.require_unit(VolumeUnit.G_PER_ML, name="density")
        require_same_grid(reference, density, "density")
        rho = np.asarray(density.array, dtype=float)
        if np.any(~np.isfinite(rho)) or rho.min() <= 0:
            raise InvalidValueError(
                field="density", value=float(np.nanmin(rho)), expected="densities > 0 g/mL"
            )
        return rho * reference.voxel_volume_ml / G_PER_KG
    return require_positive("density_g_per_ml", density) * reference.voxel_volume_ml / G_PER_KG


def _decays(tia: Volume) -> NDArray[np.float64]:
    tia.require_unit(VolumeUnit.BQ_S_PER_ML, name="time_integrated_activity")
    require_nonnegative(tia, "time_integrated_activity")
    return np.asarray(tia.array, dtype=float) * tia.voxel_volume_ml


def local_deposition_dose(
    tia: Volume,
    *,
    energy_per_decay_mev: float,
    density: Volume | float = SOFT_TISSUE_DENSITY_G_PER_ML,
) -> Volume:
    """Absorbed dose by local deposition, Gy: :math:`D = \\tilde A\\,\\bar E / m` per voxel.

    The EANM standard operating procedure for radioembolization dosimetry (Chiesa et al., EJNMMI
    Phys 2021;8:77): all energy is absorbed in the voxel of the decay.

    Parameters
    ----------
    tia
        Time-integrated activity, Bq·s/mL.
    energy_per_decay_mev
        Energy absorbed per decay (see :func:`energy_per_decay_mev`).
    density
        Density map (g/mL, same grid) or one density (1.06 g/mL by default).
    """
    energy_j = require_positive("energy_per_decay_mev", energy_per_decay_mev) * J_PER_MEV
    dose = _decays(tia) * energy_j / _mass_kg(tia, density)
    return tia.with_array(dose, VolumeUnit.GY)


def kernel_convolution_dose(
    tia: Volume,
    kernel: VoxelKernel,
    *,
    density: Volume | None = None,
    workers: int = -1,
) -> Volume:
    """Absorbed dose by voxel-kernel convolution, Gy.

    .. math:: D(\\mathbf x) = \\frac{\\bar E}{m(\\mathbf x)}
              \\sum_{\\mathbf y} N(\\mathbf y)\\, f(\\mathbf x - \\mathbf y)

    with N the decays per voxel and f the kernel's energy fractions. With a density map, the energy
    deposited in a voxel is divided by that voxel's own mass (local density scaling, Dieudonné et
    al., J Nucl Med 2013;54:236), which corrects the dose in lung and bone to first order; the
    kernel's range itself stays that of ``kernel.density_g_per_ml``. Without a density map every
    voxel has the kernel's density, and the result is the classical
    :math:`D = \\tilde A \\circledast S`.
    """
    decays = _decays(tia)
    spacing = np.asarray(tia.spacing_mm)
    if not np.allclose(spacing, kernel.spacing_mm, rtol=1e-4, atol=1e-6):
        raise InvalidValueError(
            field="kernel.spacing_mm", value=kernel.spacing_mm,
            expected=f"the spacing of the activity grid {tuple(round(s, 4) for s in spacing)}",
        )
    energy = fft_convolve_same(decays, kernel.energy_fraction, workers=workers)
    energy = np.clip(energy, 0.0, None) * kernel.energy_per_decay_mev * J_PER_MEV
    mass = _mass_kg(tia, kernel.density_g_per_ml if density is None else density)
    return tia.with_array(energy / mass, VolumeUnit.GY)

