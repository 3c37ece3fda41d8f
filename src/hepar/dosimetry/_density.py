"""Mass density from CT numbers, for density scaling of dose (lung, bone)."""

from __future__ import annotations

import numpy as np

from hepar.imaging import Volume, VolumeUnit
from hepar.physics import (
    DEFAULT_CT_EFFECTIVE_ENERGY_KEV,
    Material,
    linear_attenuation_per_cm,
    material_composition,
)

__all__ = ["density_from_ct"]

#: Lowest density assigned (dry air, NIST: 0.001205 g/mL).
MIN_DENSITY_G_PER_ML = 0.001205


def density_from_ct(
    ct: Volume, *, ct_effective_energy_kev: float = DEFAULT_CT_EFFECTIVE_ENERGY_KEV
) -> Volume:
    """Bilinear CT-number to density conversion, g/mL.

    Below 0 HU a voxel is a mixture of air and water, :math:`\\rho = 1 + H/1000`; above 0 HU a
    mixture of water and cortical bone, :math:`\\rho = 1 + H (\\rho_b - 1)/H_b`, with
    :math:`H_b = 1000(\\mu_b/\\mu_w - 1)` at the CT's effective energy — the same two-segment model
    as :func:`hepar.physics.hu_to_mu_per_cm` (Kinahan et al., Med Phys 1998;25:2046), bone density
    1.92 g/mL (ICRU Report 44).

    Examples
    --------
    >>> ct = Volume(np.array([[[-1000.0, -740.0, 0.0]]]), np.eye(4), "HU", "1.2.3")
    >>> [round(float(v), 3) for v in density_from_ct(ct).array.ravel()]
    [0.001, 0.26, 1.0]
    """
    ct.require_unit(VolumeUnit.HU, name="ct")
    hu = np.asarray(ct.array, dtype=float)
    bone = material_composition(Material.BONE).density_g_per_ml
    hu_bone = 1000.0 * (
        linear_attenuation_per_cm(Material.BONE, ct_effective_energy_kev)
        / linear_attenuation_per_cm(Material.WATER, ct_effective_energy_kev) - 1.0
    )
    density = np.where(hu <= 0.0, 1.0 + hu / 1000.0, 1.0 + hu * (bone - 1.0) / hu_bone)
    return ct.with_array(np.maximum(density, MIN_DENSITY_G_PER_ML), VolumeUnit.G_PER_ML)
