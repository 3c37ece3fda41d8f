"""Mass density for dose and mass: from CT numbers, or from the regions when there is no CT."""

from __future__ import annotations

import numpy as np

from hepar.imaging import Mask, Volume, VolumeUnit
from hepar.physics import (
    DEFAULT_CT_EFFECTIVE_ENERGY_KEV,
    HU_SCALE,
    SOFT_TISSUE_DENSITY_G_PER_ML,
    Material,
    linear_attenuation_per_cm,
    material_composition,
)

from ._checks import require_positive, require_same_grid

__all__ = ["LUNG_DENSITY_G_PER_ML", "density_from_ct", "density_from_regions"]

#: Lowest density assigned (dry air, NIST: 0.001205 g/mL).
MIN_DENSITY_G_PER_ML = 0.001205
#: Density of inflated lung, 0.26 g/mL (ICRP 89 adult lung with its blood and air, through
#: :func:`hepar.physics.material_composition`). The one value used without a CT for the lung mass
#: of the plan (``analyse_scout``) and for the lung voxels of a dose map
#: (:func:`density_from_regions`).
LUNG_DENSITY_G_PER_ML: float = material_composition(Material.LUNG).density_g_per_ml


def density_from_regions(
    reference: Volume,
    *,
    lungs: Mask | None = None,
    tissue_density_g_per_ml: float = SOFT_TISSUE_DENSITY_G_PER_ML,
    lung_density_g_per_ml: float = LUNG_DENSITY_G_PER_ML,
) -> Volume:
    """Density map (g/mL) without a CT: lung voxels at the inflated-lung density, every other voxel
    at the tissue density (the protocol's, 1.06 g/mL for 166Ho, J Nucl Med 2016;57(S2):199).

    A voxel partly in the lungs (occupancy f) holds both: :math:`\\rho = f\\rho_\\mathrm{lung} +
    (1-f)\\rho_\\mathrm{tissue}`. Local deposition with a uniform 1.06 g/mL would put a quarter of
    the lung dose (0.26/1.06) in the lungs.

    Examples
    --------
    >>> grid = Volume(np.zeros((1, 1, 3)), np.eye(4), "Bq/mL", "1.2.3")
    >>> lungs = Mask.on_grid_of("lungs", grid, np.array([[[1.0, 0.5, 0.0]]]))
    >>> [round(float(v), 3) for v in density_from_regions(grid, lungs=lungs).array.ravel()]
    [0.26, 0.66, 1.06]
    """
    tissue = require_positive("tissue_density_g_per_ml", tissue_density_g_per_ml)
    lung = require_positive("lung_density_g_per_ml", lung_density_g_per_ml)
    density = np.full(reference.shape, tissue)
    if lungs is not None:
        require_same_grid(reference, lungs.grid, f"mask {lungs.name!r}")
        density = lungs.fraction * lung + (1.0 - lungs.fraction) * tissue
    return reference.with_array(density, VolumeUnit.G_PER_ML)


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
    hu_bone = HU_SCALE * (
        linear_attenuation_per_cm(Material.BONE, ct_effective_energy_kev)
        / linear_attenuation_per_cm(Material.WATER, ct_effective_energy_kev) - 1.0
    )
    density = np.where(hu <= 0.0, 1.0 + hu / HU_SCALE, 1.0 + hu * (bone - 1.0) / hu_bone)
    return ct.with_array(np.maximum(density, MIN_DENSITY_G_PER_ML), VolumeUnit.G_PER_ML)
