"""True absorbed-dose maps of a virtual patient, by local energy deposition.

Computed from first principles, independently of ``hepar.dosimetry`` (the code the truth is
meant to test): every decay deposits its energy absorbed per decay in the voxel where it happens
(the EANM standard for radioembolization, Chiesa et al., EJNMMI Phys 2021;8:77; REFERENCE.md):

.. math:: D_v = \\frac{\\tilde A_v\\,[\\mathrm{MBq\\,h}] \\cdot E\\,[\\mathrm{mJ/MBq}]}
          {(T_{1/2}/\\ln 2)\\,[\\mathrm{h}] \\cdot m_v\\,[\\mathrm{g}]}\\ \\mathrm{Gy}

with ``E`` the energy absorbed per MBq fully decayed (:attr:`Nuclide.absorbed_energy_mj_per_mbq`:
15.87 mJ/MBq for 166Ho, the clinical convention; the ICRP 107 electron energy for 177Lu) and
the voxel mass from the tissue density of the phantom.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from hepar.physics import nuclide

__all__ = ["LOCAL_DEPOSITION_METHOD", "local_deposition_dose_gy"]

#: The method statement written into truth.json.
LOCAL_DEPOSITION_METHOD = (
    "local deposition: D = TIA x E / m per voxel; E = absorbed energy per MBq fully decayed "
    "(166Ho 15.87 mJ/MBq, clinical convention; 177Lu ICRP 107 electrons), photons escape; "
    "m from the phantom's tissue densities"
)


def local_deposition_dose_gy(
    time_integrated_mbq_h: NDArray[np.floating], nuclide_name: str,
    density_g_per_ml: NDArray[np.floating], voxel_ml: float,
) -> NDArray[np.float64]:
    """Absorbed dose (Gy) per voxel from its time-integrated activity (MBq h).

    Voxels lighter than 0.01 g/mL (air, gas) get no dose.

    Examples
    --------
    >>> from hepar.physics import time_integrated_activity_mbq_h
    >>> tia = time_integrated_activity_mbq_h(np.array([3781.0 / 1000.0]), 26.8)  # per g
    >>> local_deposition_dose_gy(tia, "Ho-166", np.array([1.0]), 1.0).round(1).tolist()
    [60.0]
    """
    data = nuclide(nuclide_name)
    mean_life_h = data.half_life_h / math.log(2.0)
    mass_g = np.asarray(density_g_per_ml, dtype=float) * voxel_ml
    energy_mj = np.asarray(time_integrated_mbq_h, dtype=float) / mean_life_h * (
        data.absorbed_energy_mj_per_mbq)
    dose = np.zeros_like(energy_mj)
    np.divide(energy_mj, mass_g, out=dose, where=mass_g >= 0.01 * voxel_ml)
    return dose  # mJ/g = J/kg = Gy
