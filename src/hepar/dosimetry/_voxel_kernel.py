"""Voxel S-values for any voxel size, from a radial dose-point kernel.

The voxel S-value is the dose-point kernel averaged over all points of the source voxel and all
points of the target voxel (MIRD Pamphlet 17, Bolch et al., J Nucl Med 1999;40:11S). For a
shell of radius r around a point, the part of the shell that falls in the target voxel, averaged
over the source voxel, is

.. math:: h_{\\mathbf I}(r) = \\frac{1}{4\\pi}\\oint d\\Omega\\;
          \\prod_{a} \\Lambda\\!\\left(I_a - \\frac{r\\,u_a}{L_a}\\right),
          \\qquad \\Lambda(t) = \\max(0, 1-|t|),

because the source-voxel average of a box indicator is the triangle function Λ along each axis.
The direction integral uses a Fibonacci sphere (deterministic), and the kernel is symmetrised over
the eight axis reflections. Energy is conserved exactly: :math:`\\sum_{\\mathbf I} h_{\\mathbf
I}(r) = 1` for every r.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hepar.errors import InvalidValueError
from hepar.physics import (
    BQ_PER_MBQ,
    G_PER_KG,
    J_PER_MEV,
    MGY_PER_GY,
    MM3_PER_ML,
    MM_PER_CM,
    SOFT_TISSUE_DENSITY_G_PER_ML,
)

from ._electron_transport import ElectronEmissions, RadialKernel, radial_kernel

__all__ = ["VoxelKernel", "voxel_kernel"]

#: What each kind of kernel is checked against (tests/dosimetry/test_stopping_power_and_kernels.py).
#: Lanconelli et al. (Phys Med Biol 2012;57:517) is reproduced by the beta continuum alone (177Lu
#: self-dose within 0.5 % at 3, 4.42 and 4.8 mm in unit-density tissue), from which we infer that
#: their database transported the beta spectrum only (the paper's text was not reachable here).
_VALIDATION = {
    ElectronEmissions.BETA: (
        "177Lu beta-only self-dose S-values of Lanconelli et al., Phys Med Biol 2012;57:517 "
        "(3, 4.42, 4.8 mm; within 5 %)"
    ),
    ElectronEmissions.ALL: (
        "177Lu: Lanconelli et al. 2012 beta self-dose S-values plus the conversion and Auger "
        "electrons (14.65 keV per decay, ICRP 107 via EJNMMI Phys 2020 Table 1), bracketed by "
        "their escape from the voxel (ESTAR CSDA range); kernel energy = electron energy per "
        "decay. 166Ho: all energy within the 8.7 mm maximum range of the EANM guideline"
    ),
}
#: Directions of the Fibonacci-sphere quadrature.
SPHERE_DIRECTIONS = 2000


def _fibonacci_sphere(count: int) -> NDArray[np.float64]:
    k = np.arange(count) + 0.5
    z = 1.0 - 2.0 * k / count
    phi = math.pi * (1.0 + math.sqrt(5.0)) * k
    s = np.sqrt(1.0 - z * z)
    return np.stack([z, s * np.sin(phi), s * np.cos(phi)], axis=1)  # (z, y, x) components


@dataclass(frozen=True, eq=False)
class VoxelKernel:
    """Energy deposited around a decay, voxel by voxel, on a grid of a given spacing.

    Parameters
    ----------
    energy_fraction
        Fraction of ``energy_per_decay_mev`` deposited in each voxel, indexed (z, y, x) offsets from
        the centre element; sums to 1 (odd shape, centre = source voxel).
    spacing_mm
        Voxel spacing (z, y, x) in mm.
    density_g_per_ml
        Density at which distances were scaled (mass-thickness scaling).
    energy_per_decay_mev
        Energy deposited per decay (the kernel's normalisation).
    nuclide
        Canonical name of the nuclide.
    source
        Where the kernel's shape comes from, in words.
    emissions
        Which electrons the kernel's shape transports (:class:`ElectronEmissions`).
    """

    energy_fraction: NDArray[np.float64]
    spacing_mm: tuple[float, float, float]
    density_g_per_ml: float
    energy_per_decay_mev: float
    nuclide: str
    source: str
    emissions: ElectronEmissions = ElectronEmissions.ALL

    @property
    def validation(self) -> str:
        """The external reference this kind of kernel is tested against (tests/dosimetry)."""
        return _VALIDATION[self.emissions]

    @property
    def voxel_volume_ml(self) -> float:
        """Volume of one voxel in mL."""
        return float(np.prod(self.spacing_mm)) / MM3_PER_ML

    @property
    def voxel_mass_g(self) -> float:
        """Mass of one voxel at the kernel's density, g."""
        return self.voxel_volume_ml * self.density_g_per_ml

    def s_values_gy_per_decay(self) -> NDArray[np.float64]:
        """Voxel S-values in Gy per decay at the kernel's density."""
        joule = self.energy_fraction * self.energy_per_decay_mev * J_PER_MEV
        return np.asarray(joule / (self.voxel_mass_g / G_PER_KG), dtype=float)

    def s_values_mgy_per_mbq_s(self) -> NDArray[np.float64]:
        """Voxel S-values in mGy/(MBq s), the unit of Lanconelli et al. 2012."""
        return self.s_values_gy_per_decay() * BQ_PER_MBQ * MGY_PER_GY

    @property
    def centre(self) -> tuple[int, int, int]:
        """Index of the source voxel in ``energy_fraction``."""
        nz, ny, nx = self.energy_fraction.shape
        return (nz // 2, ny // 2, nx // 2)


def _shell_overlaps(
    radial: RadialKernel, spacing_mm: NDArray[np.float64], density_g_per_ml: float
) -> NDArray[np.float64]:
    """Energy per voxel offset, as a fraction of the total, from the shells of ``radial``."""
    radii_mm = radial.radius_centres_g_per_cm2 * MM_PER_CM / density_g_per_ml
    weights = radial.energy_mev / radial.energy_mev.sum()
    used = weights > 0
    radii_mm, weights = radii_mm[used], weights[used]
    half = np.ceil(radii_mm.max() / spacing_mm).astype(int) + 1
    shape = tuple(int(2 * h + 1) for h in half)
    directions = _fibonacci_sphere(SPHERE_DIRECTIONS)
    out = np.zeros(int(np.prod(shape)))
    for start in range(0, radii_mm.size, 64):
        r = radii_mm[start:start + 64]
        w = weights[start:start + 64]
        t = r[:, None, None] * directions[None, :, :] / spacing_mm  # (nr, ndir, 3) in voxels
        base = np.floor(t).astype(int)
        frac = t - base
        for corner in range(8):
            offs = np.array([(corner >> 2) & 1, (corner >> 1) & 1, corner & 1])
            axis_w = np.where(offs == 1, frac, 1.0 - frac)
            value = np.prod(axis_w, axis=2) * w[:, None] / SPHERE_DIRECTIONS
            idx = base + offs + half
            flat = np.ravel_multi_index((idx[..., 0], idx[..., 1], idx[..., 2]), shape)
            out += np.bincount(flat.ravel(), value.ravel(), minlength=out.size)
    kernel = out.reshape(shape)
    for axis in range(3):  # symmetrise over reflections
        kernel = 0.5 * (kernel + np.flip(kernel, axis=axis))
    # no renormalisation: the eight trilinear weights of every point sum to 1, so the kernel sums
    # to 1 by construction, and the tests check that this binning loses no energy
    return np.asarray(kernel, dtype=float)


def voxel_kernel(
    nuclide_name: str,
    spacing_mm: ArrayLike,
    *,
    density_g_per_ml: float = SOFT_TISSUE_DENSITY_G_PER_ML,
    emissions: ElectronEmissions | str = ElectronEmissions.ALL,
    energy_per_decay_mev: float | None = None,
) -> VoxelKernel:
    """Voxel kernel (voxel S-values) of a beta emitter for any (also anisotropic) voxel size.

    Parameters
    ----------
    nuclide_name
        Beta-minus emitter, e.g. ``"Ho-166"`` or ``"Lu-177"``.
    spacing_mm
        Voxel size (z, y, x) in mm, or one number for cubic voxels.
    density_g_per_ml
        Medium density; kernel distances scale as 1/density (soft tissue 1.06 g/mL by default,
        the convention of the 166Ho planning, REFERENCE.md).
    emissions
        ``"all"`` electrons (default; what ``hepar dose --method kernel`` uses: the conversion and
        Auger electrons deposit next to the source) or the ``"beta"`` continuum (see
        :func:`radial_kernel`; what voxel S-value databases such as Lanconelli et al. 2012 hold).
    energy_per_decay_mev
        Normalise the kernel to this energy per decay instead of the transported electron energy;
        used to make kernel convolution and local deposition share one energy convention (e.g. the
        clinical 15.87 mJ/MBq of 166Ho, 2 % above its ICRP 107 electron energy).

    Examples
    --------
    >>> k = voxel_kernel("Lu-177", 4.42, density_g_per_ml=1.0, emissions="beta")
    >>> round(float(k.s_values_mgy_per_mbq_s()[k.centre]), 3)  # Lanconelli et al. 2012: 0.226
    0.226
    """
    spacing = np.broadcast_to(np.asarray(spacing_mm, dtype=float), (3,)).copy()
    if not np.all(np.isfinite(spacing)) or np.any(spacing <= 0):
        raise InvalidValueError(
            field="spacing_mm", value=spacing.tolist(), expected="three positive voxel sizes in mm"
        )
    if not density_g_per_ml > 0:
        raise InvalidValueError(
            field="density_g_per_ml", value=density_g_per_ml, expected="a positive density in g/mL"
        )
    radial = radial_kernel(nuclide_name, emissions=emissions)
    energy = radial.energy_per_decay_mev if energy_per_decay_mev is None else energy_per_decay_mev
    if not energy > 0:
        raise InvalidValueError(
            field="energy_per_decay_mev", value=energy_per_decay_mev, expected="a positive energy"
        )
    fraction = _shell_overlaps(radial, spacing, float(density_g_per_ml))
    fraction.setflags(write=False)
    sz, sy, sx = (float(s) for s in spacing)
    return VoxelKernel(
        energy_fraction=fraction,
        spacing_mm=(sz, sy, sx),
        density_g_per_ml=float(density_g_per_ml),
        energy_per_decay_mev=float(energy),
        nuclide=radial.nuclide,
        emissions=radial.emissions,
        source=(
            f"{radial.nuclide} {radial.emissions.value}-electron dose-point kernel from hepar's "
            "condensed-history transport in water (ICRP 107 spectra), averaged over source and "
            "target voxels"
        ),
    )
