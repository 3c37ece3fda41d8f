"""Electron transport data and voxel kernels against published values and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.dosimetry import (
    collision_stopping_power_mev_cm2_per_g,
    csda_range_g_per_cm2,
    radial_kernel,
    voxel_kernel,
)
from hepar.errors import InvalidValueError


@pytest.mark.parametrize(
    ("energy_mev", "estar"),
    # NIST ESTAR, liquid water, collision stopping power (MeV cm^2/g).
    [(0.01, 22.56), (0.1, 4.115), (1.0, 1.849)],
)
def test_collision_stopping_power_matches_estar(energy_mev, estar):
    # Tolerance 1 %: ESTAR adds shell corrections at low energy and a tabulated density effect.
    assert collision_stopping_power_mev_cm2_per_g(energy_mev) == pytest.approx(estar, rel=0.01)


@pytest.mark.parametrize(
    ("energy_mev", "estar_g_per_cm2"),
    # NIST ESTAR, liquid water, CSDA range.
    [(0.01, 2.515e-4), (0.1, 1.431e-2), (1.0, 0.4367)],
)
def test_csda_range_matches_estar(energy_mev, estar_g_per_cm2):
    # 1 %: radiative losses, left out here, shorten ESTAR's range by < 1 % below 1 MeV.
    assert csda_range_g_per_cm2(energy_mev) == pytest.approx(estar_g_per_cm2, rel=0.01)


def test_ho166_maximum_range_matches_the_eanm_guideline():
    # EANM guideline (Weber et al., EJNMMI 2022;49:1682): 166Ho betas, maximum range 8.7 mm in
    # soft tissue (1.854 MeV endpoint). CSDA range at 1.854 MeV in tissue of 1.06 g/mL, 3 %
    # (tissue composition vs water).
    range_mm = float(csda_range_g_per_cm2(1.854)) * 10.0 / 1.06
    assert range_mm == pytest.approx(8.7, rel=0.03)
    # energy is deposited within that range; scattering keeps it well inside
    assert radial_kernel("Ho-166").max_radius_mm(1.06) <= 8.7


# EJNMMI Phys 2020, doi:10.1186/s40658-020-00301-2, Table 1 (ICRP 107 data), 177Lu per decay:
# beta 133.3 keV, conversion electrons 13.52 keV, Auger 1.13 keV, all electrons 147.9 keV.
LU177_ELECTRONS_MEV = 0.1479
LU177_BETA_MEV = 0.1333


@pytest.mark.parametrize(
    ("emissions", "published_mev"), [("all", LU177_ELECTRONS_MEV), ("beta", LU177_BETA_MEV)]
)
def test_transport_tally_before_scaling_holds_the_177lu_electron_energy(emissions, published_mev):
    """The electron transport itself, before the kernel is scaled to the ICRP 107 energy, deposits
    the published electron energy per decay (every electron stops in infinite water).

    Tolerance 0.5 %: the discrete lines are reproduced exactly, and the ICRP 107 b-spectra grid
    (20-50 keV steps near the 498 keV endpoint), linear between grid points, has a mean 0.4 % above
    the 133.3 keV of the beta-branch listing. The audit measured +0.5 % (0.14867 MeV) before the
    spectrum was sampled as linear within each grid step; 0.141 MeV (REFERENCE.md) would be
    -4.7 % and could not be reproduced (see hepar.dosimetry._electron_transport)."""
    radial = radial_kernel("Lu-177", emissions=emissions)
    assert radial.transported_energy_per_decay_mev == pytest.approx(published_mev, rel=0.005)
    assert radial.energy_per_decay_mev == pytest.approx(published_mev, rel=0.001)


@pytest.mark.parametrize("spacing", [(1.5, 2.2, 3.7), (4.42, 4.42, 4.42), (0.6, 0.6, 2.0)])
def test_voxel_kernel_keeps_the_radial_energy_on_any_grid(spacing):
    """S-values x voxel mass summed over the grid = the 177Lu electron energy per decay (147.9 keV,
    EJNMMI Phys 2020 Table 1; photons, 35 keV, are not in the kernel), on grids the kernel was
    never built for: the binning of shells into voxels neither loses nor adds energy (the voxel
    kernel is not renormalised). Tolerance 0.1 %: the ICRP 107 value itself is given to 4 digits."""
    kernel = voxel_kernel("Lu-177", spacing)
    mass_kg = kernel.voxel_mass_g * 1e-3
    deposited_mev = kernel.s_values_gy_per_decay().sum() * mass_kg / 1.602176634e-13
    assert deposited_mev == pytest.approx(LU177_ELECTRONS_MEV, rel=0.001)


@pytest.mark.parametrize(("name", "voxel_mm"), [("Lu-177", 10.0), ("Ho-166", 60.0)])
def test_self_fraction_of_a_large_voxel_follows_the_mean_chord_rule(name, voxel_mm):
    """A decay uniformly placed in a convex voxel, depositing at distance r << L in a random
    direction, leaves the voxel with probability S r / (4 V) (Cauchy's mean-chord theorem), 1.5 r/L
    for a cube of side L; averaged over the kernel, escape = 1.5 <r> / L. The second-order term is
    of relative size ~ <r^2>/(<r> L), under 5 % here: tolerance 5 %."""
    kernel = voxel_kernel(name, voxel_mm)
    mean_radius_mm = radial_kernel(name).mean_radius_mm(kernel.density_g_per_ml)
    escape = 1.0 - kernel.energy_fraction[kernel.centre]
    assert escape == pytest.approx(1.5 * mean_radius_mm / voxel_mm, rel=0.05)


def test_only_hepar_physics_reads_the_decay_data_package():
    """Layering (DESIGN.md): nuclide data come through hepar.physics; the dosimetry never imports
    the ICRP 107 package itself."""
    import ast
    from pathlib import Path

    import hepar.dosimetry

    for path in Path(hepar.dosimetry.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not any(n.split(".")[0] == "icrp107_database" for n in names), path.name


@pytest.mark.parametrize(("voxel_mm", "lanconelli"), [(4.42, 0.226), (4.8, 0.178), (3.0, 0.693)])
@pytest.mark.parametrize("density", [1.00, 1.04])
def test_177lu_self_dose_s_value_matches_lanconelli_2012(voxel_mm, lanconelli, density):
    """Lanconelli et al., Phys Med Biol 2012;57:517, 177Lu in soft tissue, self-dose S-value
    (mGy/(MBq s)): 0.693 at 3 mm, 0.226 at 4.42 mm, 0.178 at 4.8 mm. Issue 4 asks for 5 %.

    What the database transported: the paper's methods could not be read from here (the search
    reached no full text), so this is inferred from the numbers. The beta continuum alone
    reproduces all three values within 0.5 % at 1.00 g/mL, while the all-electron kernel is about
    11 % higher, the share of the 177Lu conversion and Auger electrons (14.65 of 147.9 keV per
    decay); a three-fold coincidence is unlikely, so we take the database as beta only (moderately
    sure) and compare like with like here. The kernel the dose path uses (all electrons) is
    checked in test_dose_path_kernel_is_lanconelli_plus_the_conversion_electrons. Soft-tissue
    density 1.00 or 1.04 g/mL: within 5 % for both."""
    kernel = voxel_kernel("Lu-177", voxel_mm, density_g_per_ml=density, emissions="beta")
    assert kernel.s_values_mgy_per_mbq_s()[kernel.centre] == pytest.approx(lanconelli, rel=0.05)


# EJNMMI Phys 2020 (doi:10.1186/s40658-020-00301-2), Table 1 (ICRP 107), 177Lu per decay:
# conversion electrons 13.52 keV + Auger electrons 1.13 keV.
LU177_CONVERSION_AND_AUGER_MEV = 0.01352 + 0.00113
#: NIST ESTAR, liquid water, CSDA range at 200 keV (g/cm^2): a bound on how far the 177Lu
#: conversion electrons travel (all but < 1 % of their energy is in lines below 200 keV).
ESTAR_CSDA_200KEV_G_PER_CM2 = 4.488e-2


@pytest.mark.parametrize(("voxel_mm", "lanconelli"), [(4.42, 0.226), (4.8, 0.178), (3.0, 0.693)])
def test_dose_path_kernel_is_lanconelli_plus_the_conversion_electrons(voxel_mm, lanconelli):
    """The kernel ``hepar dose --method kernel`` uses (all electrons, normalised to the ICRP 107
    electron energy per decay, 147.9 keV) against a reference with the same emissions: the beta
    self-dose of Lanconelli et al., Phys Med Biol 2012;57:517 (which the beta continuum alone
    reproduces, so we take their database as beta only), plus the conversion and Auger electrons,
    14.65 keV per decay (EJNMMI Phys 2020, Table 1), of which a fraction f stays in the voxel.

    f is bracketed without the code: at most 1; at least 1 - 1.5 R / L - 0.01 (Cauchy's
    mean-chord escape 1.5 r / L for a cube of side L, with r no more than the ESTAR CSDA range R at
    200 keV, and the < 1 % of their energy above 200 keV counted as escaping). Unit density, as in
    the test against Lanconelli. Tolerance: the bracket widened by 1 % (Lanconelli's three digits
    and Monte Carlo noise); 5 % more or less energy in the kernel falls outside it."""
    kernel = voxel_kernel("Lu-177", voxel_mm, density_g_per_ml=1.0, emissions="all",
                          energy_per_decay_mev=LU177_ELECTRONS_MEV)
    mass_kg = (voxel_mm / 10.0) ** 3 * 1.0e-3  # cm^3 x 1 g/cm^3, in kg
    extra = LU177_CONVERSION_AND_AUGER_MEV * 1.602176634e-13 / mass_kg * 1.0e9  # mGy/(MBq s)
    f_min = 1.0 - 1.5 * ESTAR_CSDA_200KEV_G_PER_CM2 * 10.0 / voxel_mm - 0.01
    low, high = (lanconelli + f_min * extra) * 0.99, (lanconelli + extra) * 1.01
    self_dose = float(kernel.s_values_mgy_per_mbq_s()[kernel.centre])
    assert low <= self_dose <= high
    assert not low <= 1.05 * self_dose <= high and not low <= 0.95 * self_dose <= high


def test_dose_path_kernel_scales_with_density_as_mass_thickness():
    """The dose path builds the kernel at the protocol's tissue density (1.06 g/mL): distances
    scale as 1/density, so the self-dose S-value of a voxel much larger than the electron range
    scales as 1/density (the energy per decay is fixed, the voxel mass grows). Tolerance 1 %: the
    escaping fraction (about 1.5 <r> / L, 8 % here) shrinks by 6 % of itself."""
    unit = voxel_kernel("Lu-177", 4.42, density_g_per_ml=1.0)
    tissue = voxel_kernel("Lu-177", 4.42, density_g_per_ml=1.06)
    ratio = tissue.s_values_mgy_per_mbq_s()[tissue.centre] / unit.s_values_mgy_per_mbq_s()[
        unit.centre]
    assert ratio == pytest.approx(1.0 / 1.06, rel=0.01)
    assert tissue.emissions.value == "all" and "Lanconelli" in tissue.validation


@settings(max_examples=8, deadline=None)
@given(
    st.tuples(*(st.floats(1.5, 6.0) for _ in range(3))),
)
def test_kernels_for_any_voxel_size_sum_to_one_and_are_symmetric(spacing):
    kernel = voxel_kernel("Ho-166", spacing)
    fractions = kernel.energy_fraction
    assert fractions.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(fractions >= 0)
    for axis in range(3):
        np.testing.assert_allclose(fractions, np.flip(fractions, axis=axis), atol=1e-15)
    assert fractions[kernel.centre] == fractions.max()


def test_self_fraction_grows_with_voxel_size():
    fractions = [voxel_kernel("Ho-166", s).energy_fraction.max() for s in (2.0, 4.0, 8.0)]
    assert fractions == sorted(fractions)


def test_kernel_refuses_bad_spacing_and_non_beta_emitters():
    with pytest.raises(InvalidValueError, match=r"spacing_mm = \[0\.0, 4\.0, 4\.0\]"):
        voxel_kernel("Ho-166", (0.0, 4.0, 4.0))
    with pytest.raises(InvalidValueError, match="beta-minus emitter"):
        voxel_kernel("Tc-99m", 4.0)
    with pytest.raises(InvalidValueError, match="emissions = 'gamma'"):
        voxel_kernel("Lu-177", 4.0, emissions="gamma")
