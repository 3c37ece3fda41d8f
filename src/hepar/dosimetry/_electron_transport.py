"""Beta dose-point kernels computed here by condensed-history electron transport in water.

Why computed and not tabulated: 166Ho is not in the voxel S-value database of Lanconelli et al.
(Phys Med Biol 2012;57:517), and the published Monte Carlo dose-point kernels (e.g. MIRDsoft,
Graves et al., Med Phys 2019;46:5284) are not redistributable data. hepar therefore builds the
radial energy-deposition distribution of every nuclide the same way, from

- the emitted electrons of ICRP Publication 107 (``icrp107-database``): the beta continuum
  (``"b-spectra"``), plus internal-conversion and Auger lines when ``emissions="all"``;
- a class-I condensed-history transport in liquid water: continuous slowing down with the Bethe
  collision stopping power (ICRU Report 37), steps of 3 % energy loss, and after each step an
  angular deflection whose mean :math:`\\langle 1-\\cos\\theta\\rangle = 1 -
  e^{-s/\\lambda_1}` is the
  exact Goudsmit–Saunderson first moment for the screened Rutherford transport mean free path
  :math:`\\lambda_1` (Lewis, Phys Rev 1950;78:526). Energy straggling, delta-ray transport and
  bremsstrahlung are not modelled (all collision energy is deposited along the track).

It is deterministic (fixed seed, stratified energy sampling). Checked against Lanconelli et al.
2012 177Lu self-dose S-values and ESTAR stopping powers and ranges (tests/dosimetry). Photons are
not in the kernel: they carry 0.035 MeV per 177Lu decay and mostly leave the region of interest.

Energy per decay. The transport deposits every electron's energy in the medium (infinite water), so
the un-normalised tally is the sampled electron energy per decay: 0.1484 MeV for 177Lu, against the
ICRP 107 147.9 keV (EJNMMI Phys 2020, doi:10.1186/s40658-020-00301-2, Table 1: beta 133.3,
conversion 13.5, Auger 1.1 keV). The lines are reproduced exactly; the +0.4 % left is the beta
continuum, whose ICRP 107 b-spectra grid (steps of 20 to 50 keV near the 498 keV endpoint), read as
linear between grid points, has a mean of 133.8 keV. The kernel is then scaled to the ICRP 107
energy exactly (:attr:`RadialKernel.transported_energy_per_decay_mev` keeps the tally before
scaling). A kernel therefore holds about 0.148 MeV per 177Lu decay, not the "about 0.141 MeV" of
REFERENCE.md, which could not be reproduced: no subset of the ICRP 107 electrons gives it (beta +
Auger 134.4 keV, beta + conversion 146.8 keV), and bremsstrahlung, not modelled here, takes well
under 1 keV (ESTAR radiation yield in water < 0.3 % up to the endpoint). The only reading found is
a kernel cut short: here 95 % of the energy, 0.141 MeV, lies within 0.72 mm of the source in
unit-density water, so a dose-point kernel truncated near 0.7 mm would hold 0.141 MeV; hepar's is
not truncated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from hepar.errors import InvalidValueError
from hepar.physics import (
    MM_PER_CM,
    beta_spectrum,
    canonical_nuclide_name,
    electron_lines,
    nuclide,
)

from ._stopping_power import csda_range_g_per_cm2, transport_mean_free_path_g_per_cm2

__all__ = ["ElectronEmissions", "RadialKernel", "radial_kernel"]

#: Electrons below this energy (1 keV: CSDA range 5e-6 g/cm^2) deposit where they are.
CUTOFF_ENERGY_MEV = 1.0e-3
#: Fraction of its energy an electron loses per condensed-history step.
STEP_ENERGY_LOSS_FRACTION = 0.03
#: Histories per kernel: beta continuum and discrete electron lines.
BETA_HISTORIES = 16000
LINE_HISTORIES = 4000
#: Radial bins of the kernel.
RADIAL_BINS = 400
_SEED = 166177
#: A nuclide emitting less beta energy per decay than this (1 keV) is not a beta emitter here.
MIN_BETA_ENERGY_MEV = 1.0e-3


class ElectronEmissions(StrEnum):
    """Which emitted electrons a kernel transports."""

    #: Beta continuum, internal-conversion and Auger electrons (all electron energy per decay).
    ALL = "all"
    #: The beta continuum only (as in voxel S-value databases built from beta spectra).
    BETA = "beta"


@dataclass(frozen=True)
class RadialKernel:
    """Energy deposited per decay in spherical shells around a point source in water.

    Parameters
    ----------
    nuclide
        Canonical nuclide name.
    emissions
        Which electrons were transported.
    radius_edges_g_per_cm2
        Shell edges in mass thickness (divide by density in g/cm^3 to get cm).
    energy_mev
        Energy deposited in each shell per decay, MeV; sums to ``energy_per_decay_mev``.
    energy_per_decay_mev
        Electron energy emitted (and deposited) per decay, MeV (ICRP 107).
    transported_energy_per_decay_mev
        Energy the transport itself deposited per decay, before ``energy_mev`` was scaled to
        ``energy_per_decay_mev`` (differs from it by the sampling of the ICRP 107 spectra only).
    """

    nuclide: str
    emissions: ElectronEmissions
    radius_edges_g_per_cm2: NDArray[np.float64]
    energy_mev: NDArray[np.float64]
    energy_per_decay_mev: float
    transported_energy_per_decay_mev: float

    @property
    def radius_centres_g_per_cm2(self) -> NDArray[np.float64]:
        """Shell centres in g/cm^2."""
        edges = self.radius_edges_g_per_cm2
        return np.asarray(0.5 * (edges[1:] + edges[:-1]), dtype=float)

    def mean_radius_mm(self, density_g_per_ml: float) -> float:
        """Energy-weighted mean distance of deposition in mm at ``density_g_per_ml``."""
        centres_mm = self.radius_centres_g_per_cm2 * MM_PER_CM / density_g_per_ml
        return float(np.dot(centres_mm, self.energy_mev) / self.energy_mev.sum())

    def max_radius_mm(self, density_g_per_ml: float) -> float:
        """Largest radius that received energy, in mm at ``density_g_per_ml``."""
        last = int(np.flatnonzero(self.energy_mev > 0)[-1])
        return float(self.radius_edges_g_per_cm2[last + 1] * MM_PER_CM / density_g_per_ml)


def _beta_energies(name: str, count: int) -> NDArray[np.float64]:
    """``count`` beta energies at the mid-quantiles of the ICRP 107 spectrum (stratified).

    The spectrum is linear between its grid points; each quantile is placed by inverting that
    piecewise-quadratic cumulative distribution exactly, so the sample mean is the spectrum's mean
    (placing samples uniformly within a grid interval would bias 177Lu's mean by +0.5 %).
    """
    energies, density = beta_spectrum(name)
    widths = np.diff(energies)
    masses = widths * 0.5 * (density[1:] + density[:-1])
    cdf = np.concatenate([[0.0], np.cumsum(masses)])
    targets = (np.arange(count) + 0.5) / count * cdf[-1]
    interval = np.clip(np.searchsorted(cdf, targets, side="right") - 1, 0, widths.size - 1)
    left = density[interval]
    slope = (density[interval + 1] - left) / widths[interval]
    within = targets - cdf[interval]
    # solve left x + slope x^2 / 2 = within for x in the interval (stable form, also slope = 0)
    root = np.sqrt(np.maximum(left**2 + 2.0 * slope * within, 0.0))
    denominator = left + root
    safe = np.where(denominator > 0, denominator, 1.0)
    offset = np.where(denominator > 0, 2.0 * within / safe, 0.0)
    return np.asarray(energies[interval] + np.clip(offset, 0.0, widths[interval]), dtype=float)


def _sources(
    name: str, emissions: ElectronEmissions
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Energies and weights (electrons per decay) of the histories, plus the energy deposited
    on the spot (lines below the cutoff)."""
    beta_yield = 1.0  # the ICRP 107 b-spectra are normalised per decay (beta- branching 100 %)
    energies = [_beta_energies(name, BETA_HISTORIES)]
    weights = [np.full(BETA_HISTORIES, beta_yield / BETA_HISTORIES)]
    local_mev = 0.0
    if emissions is ElectronEmissions.ALL:
        line_energy, line_yield = electron_lines(name)
        below = line_energy < CUTOFF_ENERGY_MEV
        local_mev = float(np.dot(line_energy[below], line_yield[below]))
        line_energy, line_yield = line_energy[~below], line_yield[~below]
        if line_energy.size:
            # lines drawn in proportion to their yield, at mid-quantiles; weights keep the yield
            cumulative = np.cumsum(line_yield) / line_yield.sum()
            picks = np.searchsorted(cumulative, (np.arange(LINE_HISTORIES) + 0.5) / LINE_HISTORIES)
            energies.append(line_energy[picks])
            weights.append(np.full(LINE_HISTORIES, line_yield.sum() / LINE_HISTORIES))
    return np.concatenate(energies), np.concatenate(weights), local_mev


def _mean_to_scale(mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """Scale b of an exponential truncated to [0, 2] whose mean is ``mean`` (0 < mean < 1)."""
    grid = np.geomspace(1.0e-7, 1.0e4, 4000)
    with np.errstate(over="ignore"):
        tail = 2.0 * np.exp(-2.0 / grid) / -np.expm1(-2.0 / grid)
        means = np.where(grid < 0.05, grid, grid - tail)
    return np.asarray(np.interp(np.clip(mean, 1e-12, 1.0 - 1e-9), means, grid), dtype=float)


def _deflect(
    direction: NDArray[np.float64], one_minus_cos: NDArray[np.float64], phi: NDArray[np.float64]
) -> NDArray[np.float64]:
    cos_t = 1.0 - one_minus_cos
    sin_t = np.sqrt(np.clip(1.0 - cos_t**2, 0.0, 1.0))
    ux, uy, uz = direction.T
    perp = np.sqrt(np.maximum(1.0 - uz**2, 1e-30))
    near_pole = perp < 1e-8
    cp, sp = np.cos(phi), np.sin(phi)
    nx = np.where(near_pole, sin_t * cp, ux * cos_t + sin_t * (ux * uz * cp - uy * sp) / perp)
    ny = np.where(near_pole, sin_t * sp, uy * cos_t + sin_t * (uy * uz * cp + ux * sp) / perp)
    nz = np.where(near_pole, np.sign(uz) * cos_t, uz * cos_t - sin_t * cp * perp)
    new = np.stack([nx, ny, nz], axis=1)
    return np.asarray(new / np.linalg.norm(new, axis=1)[:, None], dtype=float)


def _transport(
    energy: NDArray[np.float64], weight: NDArray[np.float64], edges: NDArray[np.float64]
) -> NDArray[np.float64]:
    rng = np.random.default_rng(_SEED)
    tally = np.zeros(edges.size - 1)
    position = np.zeros((energy.size, 3))
    direction = rng.normal(size=(energy.size, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    while energy.size:
        after = energy * (1.0 - STEP_ENERGY_LOSS_FRACTION)
        stops = after < CUTOFF_ENERGY_MEV
        after = np.where(stops, 0.0, after)
        step = csda_range_g_per_cm2(energy) - np.where(
            stops, 0.0, csda_range_g_per_cm2(np.maximum(after, CUTOFF_ENERGY_MEV))
        )
        midpoint = position + 0.5 * step[:, None] * direction
        tally += np.histogram(
            np.linalg.norm(midpoint, axis=1), edges, weights=(energy - after) * weight
        )[0]
        position = position + step[:, None] * direction
        mean_energy = np.maximum(0.5 * (energy + after), CUTOFF_ENERGY_MEV)
        mean_one_minus_cos = -np.expm1(-step / transport_mean_free_path_g_per_cm2(mean_energy))
        scale = _mean_to_scale(mean_one_minus_cos)
        u = rng.random(energy.size)
        one_minus_cos = -scale * np.log1p(u * np.expm1(-2.0 / scale))
        direction = _deflect(direction, one_minus_cos, 2.0 * math.pi * rng.random(energy.size))
        keep = ~stops
        position, direction = position[keep], direction[keep]
        energy, weight = after[keep], weight[keep]
    return tally


@lru_cache(maxsize=16)
def _cached_kernel(name: str, emissions: ElectronEmissions) -> RadialKernel:
    energy, weight, local_mev = _sources(name, emissions)
    max_range = float(csda_range_g_per_cm2(energy.max()))
    edges = np.linspace(0.0, max_range * 1.0001, RADIAL_BINS + 1)
    tally = _transport(energy, weight, edges)
    tally[0] += local_mev
    data = nuclide(name)
    emitted = data.mean_electron_energy_mev if emissions is ElectronEmissions.ALL else (
        data.mean_beta_energy_mev
    )
    # Every electron stops in the (infinite) medium, so the tally is the sampled electron energy
    # per decay; it differs from the ICRP 107 energy by the b-spectra tabulation only (177Lu:
    # +0.06 %). Scale to the ICRP 107 energy so that the kernel holds it exactly.
    transported = float(tally.sum())
    tally *= emitted / transported
    tally.setflags(write=False)
    edges.setflags(write=False)
    return RadialKernel(name, emissions, edges, tally, float(emitted), transported)


def radial_kernel(
    nuclide_name: str, *, emissions: ElectronEmissions | str = ElectronEmissions.ALL
) -> RadialKernel:
    """Radial energy-deposition kernel (dose-point kernel) of a beta emitter in water.

    Parameters
    ----------
    nuclide_name
        Any spelling of a beta-minus emitter in ICRP 107 (``"Ho-166"``, ``"177Lu"``).
    emissions
        ``"all"`` electrons (default) or the ``"beta"`` continuum only.

    Returns
    -------
    RadialKernel
        Energy per decay in shells of mass thickness; the dose-point kernel is
        :math:`K(r) = E(r)\\,/\\,(4\\pi r^2 \\rho\\, dr)`.

    Examples
    --------
    177Lu holds its ICRP 107 electron energy, 147.9 keV per decay (EJNMMI Phys 2020, Table 1),
    and the shells hold exactly that energy:

    >>> k = radial_kernel("Lu-177")
    >>> round(k.energy_per_decay_mev, 4), bool(abs(k.energy_mev.sum() - k.energy_per_decay_mev)
    ...                                          < 1e-12)
    (0.1479, True)

    Denser tissue brings the energy closer (mass-thickness scaling, distances as 1/density):

    >>> round(k.mean_radius_mm(1.0) / k.mean_radius_mm(1.06), 2)
    1.06
    """
    try:
        which = ElectronEmissions(emissions)
    except ValueError:
        raise InvalidValueError(
            field="emissions", value=emissions,
            expected=f"one of {[e.value for e in ElectronEmissions]}",
        ) from None
    name = canonical_nuclide_name(nuclide_name)
    data = nuclide(name)
    if data.mean_beta_energy_mev < MIN_BETA_ENERGY_MEV:
        raise InvalidValueError(
            field="nuclide", value=nuclide_name,
            expected="a beta-minus emitter (e.g. Ho-166, Lu-177)",
        )
    return _cached_kernel(name, which)
