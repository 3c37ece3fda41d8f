"""Collimator, camera and spectral model against published numbers and kinematics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phantom_helpers import nist_lead_mu_per_mm

from hepar.errors import InvalidValueError
from hepar.phantoms import (
    LEHR,
    MEDIUM_ENERGY,
    Camera,
    Collimator,
    broad_background_for,
    collimator_for,
    compton_energy_kev,
    compton_window_fraction,
    line_window_fraction,
)
from hepar.spect import EnergyWindow

TC = EnergyWindow.centred("Tc", centre_kev=140.0, width_pct=20.0)
HO_PEAK = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
HO_UPPER = EnergyWindow.centred("Ho166 118keV", centre_kev=118.0, width_pct=12.0)
LU_113 = EnergyWindow.centred("Lu177 113keV", centre_kev=113.0, width_pct=20.0)
LU_208 = EnergyWindow.centred("Lu177 208keV", centre_kev=208.0, width_pct=20.0)


def test_lehr_sensitivity_matches_the_vendor_specification():
    """Siemens Symbia LEHR: 202 cpm/uCi = 91 cps/MBq for 99mTc (vendor collimator
    specification). Our geometric model (K = 0.26, Cherry et al.) with crystal efficiency and
    window fraction lands within 10 % (the vendor's figure includes measurement conditions
    the model ignores)."""
    vendor_cps_per_mbq = 202.0 / 60.0 / 0.037
    ours = Camera(collimator=LEHR).system_sensitivity_cps_per_mbq("Tc-99m", TC)
    assert ours == pytest.approx(vendor_cps_per_mbq, rel=0.10)


def test_ho166_photopeak_sensitivity_is_the_analytic_collimator_efficiency_chain():
    """In-air system sensitivity of one head for the 80.6 keV line of 166Ho in the 81 keV (15 %)
    window, computed here from the ME collimator's dimensions:

    S = 1e6 Bq/MBq x g x y x eps x f, with

    * g = K^2 (d / l_e)^2 d^2 / (d + t)^2, K = 0.26 for hexagonal holes, l_e = l - 2 / mu_Pb
      (Cherry, Sorenson & Phelps, Physics in Nuclear Medicine, 4th ed., ch. 14; Siemens Symbia
      ME: d = 2.94 mm, t = 1.14 mm, l = 40.64 mm);
    * y = 6.7 % photons per decay (EANM guideline, Weber et al., EJNMMI 2022;49:1682);
    * eps = 1 - exp(-mu_NaI h), h = 9.525 mm (3/8 inch) crystal;
    * f = the Gaussian energy response inside 74.925-87.075 keV, FWHM 9.9 % at 140 keV scaled
      as sqrt(E) (Cherry et al. ch. 13).

    mu of lead from the NIST table (Hubbell & Seltzer, NISTIR 5632; 2.419 cm^2/g at 80 keV,
    1.910 at 88.0 keV, log-log), not from the library the code uses. Crystal efficiency taken as 1:
    iodine's mu/rho at 80 keV is above 2 cm^2/g (NIST), so mu h > 7 in 9.5 mm of NaI and
    1 - exp(-mu h) > 0.999. Tolerance 0.5 %: the code sums every ICRP 107 line (80.574 keV at
    6.71 % vs 6.7 % here; the Er K X-rays at 48-57 keV add < 1e-7 of the total).

    No vendor figure for the medium-energy collimator could be reached (a Siemens or GE ME
    datasheet sensitivity and resolution at 10 cm): this test checks the geometry formula chain
    with external data only; the LEHR figures above are the vendor check of the same model.
    """
    energy_kev, abundance = 80.574, 0.067
    d, t, length = 2.94, 1.14, 40.64
    effective = length - 2.0 / nist_lead_mu_per_mm(energy_kev)
    geometric = 0.26**2 * (d / effective) ** 2 * d**2 / (d + t) ** 2
    intrinsic = 1.0
    sigma = 0.099 * math.sqrt(140.0 * energy_kev) / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    window = 0.5 * (math.erf((81.0 * 1.075 - energy_kev) / (sigma * math.sqrt(2.0)))
                    - math.erf((81.0 * 0.925 - energy_kev) / (sigma * math.sqrt(2.0))))
    expected = 1.0e6 * geometric * abundance * intrinsic * window
    assert MEDIUM_ENERGY.shape_constant == 0.26
    ours = Camera().system_sensitivity_cps_per_mbq("Ho-166", HO_PEAK)
    assert ours == pytest.approx(expected, rel=0.005)


def test_only_hepar_physics_talks_to_xraydb():
    """Attenuation data reach the simulator through hepar.physics (one source of cross-sections
    and one place for unit conversions): no phantoms module imports xraydb."""
    import ast
    from pathlib import Path

    import hepar.phantoms

    folder = Path(hepar.phantoms.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
        assert "xraydb" not in imported, path.name


def test_geometric_resolution_formula():
    """Cherry, Sorenson & Phelps ch. 14: R_g = d (l_e + b) / l_e, l_e = l - 2/mu, mu of lead
    from the NIST table (Hubbell & Seltzer), not the code's library. Tolerance 0.1 %: a 1 %
    difference in mu moves l_e by 0.03 %."""
    effective = 24.05 - 2.0 / nist_lead_mu_per_mm(140.5)
    expected = 1.11 * (effective + 100.0) / effective
    assert LEHR.geometric_fwhm_mm(100.0, energy_kev=140.5) == pytest.approx(expected, rel=1e-3)


def test_system_resolution_at_10_cm_matches_the_lehr_specification():
    """Vendor: LEHR system resolution 7.5 mm FWHM at 10 cm (99mTc). Model within 10 %."""
    assert Camera(collimator=LEHR).system_fwhm_mm(100.0, energy_kev=140.5) == pytest.approx(
        7.5, rel=0.10)


def test_collimator_choice_per_nuclide():
    assert collimator_for("Tc-99m") is LEHR
    assert collimator_for("Ho-166") is MEDIUM_ENERGY
    assert collimator_for("Lu-177") is MEDIUM_ENERGY
    with pytest.raises(InvalidValueError, match="nuclide"):
        collimator_for("Y-90")


def test_collimator_rejects_bad_geometry_and_unstoppable_energies():
    with pytest.raises(InvalidValueError, match="hole_length_mm"):
        Collimator("bad", hole_diameter_mm=1.0, septal_thickness_mm=0.2, hole_length_mm=-3.0)
    thin = Collimator("thin", hole_diameter_mm=2.0, septal_thickness_mm=0.2, hole_length_mm=3.0)
    with pytest.raises(InvalidValueError, match="energy_kev"):
        thin.effective_length_mm(600.0)
    with pytest.raises(InvalidValueError, match="distance_mm"):
        LEHR.geometric_fwhm_mm(-1.0, energy_kev=140.0)


def test_camera_validates_its_settings():
    with pytest.raises(InvalidValueError, match="n_heads"):
        Camera(n_heads=7)
    with pytest.raises(InvalidValueError, match="matrix"):
        Camera(matrix=127)
    with pytest.raises(InvalidValueError, match="pixel_mm"):
        Camera(pixel_mm=0.0)


def test_compton_kinematics():
    """Compton's formula E' = E / (1 + (E / m_e c^2)(1 - cos theta)), m_e c^2 = 511 keV
    (CODATA): 140.5 keV backscatters at 90.65 keV."""
    assert float(compton_energy_kev(140.5, math.pi)) == pytest.approx(90.65, abs=0.01)
    assert float(compton_energy_kev(140.5, 0.0)) == pytest.approx(140.5)


def test_primary_window_fraction_is_the_gaussian_integral():
    """A window of +-1 sigma around the line holds erf(1/sqrt 2) = 68.27 %."""
    fwhm = 10.0
    sigma = fwhm / (2 * math.sqrt(2 * math.log(2)))
    window = EnergyWindow("w", 100.0 - sigma, 100.0 + sigma)
    assert line_window_fraction(100.0, window, fwhm) == pytest.approx(0.682689, rel=1e-5)


def test_scatter_never_moves_photons_up_in_energy():
    camera = Camera()
    assert compton_window_fraction(camera, 80.6, HO_UPPER) < 1e-6
    assert compton_window_fraction(camera, 80.6, LU_208) < 1e-12
    # 177Lu 113 keV backscatters down to 78 keV, into the 166Ho photopeak (crosstalk)
    assert compton_window_fraction(camera, 112.95, HO_PEAK) > 0.05
    # 177Lu 208 keV cannot reach 81 keV by one scatter (minimum 115 keV)
    assert compton_window_fraction(camera, 208.366, HO_PEAK) < 1e-6


def test_broad_backgrounds_carry_the_crosstalk_between_isotopes():
    camera = Camera()
    ho = broad_background_for("Ho-166")
    lu = broad_background_for("Lu-177")
    assert ho is not None and lu is not None
    assert broad_background_for("Tc-99m") is None
    # 166Ho high-energy photons and bremsstrahlung reach both 177Lu windows
    assert ho.rate_cps_per_mbq(camera, LU_113) > 0
    assert ho.rate_cps_per_mbq(camera, LU_208) > 0
    # the reference ratio holds by construction of beta
    primary = camera.system_sensitivity_cps_per_mbq("Ho-166", ho.reference_window)
    assert ho.rate_cps_per_mbq(camera, ho.reference_window) == pytest.approx(
        ho.background_to_primary * primary)
    # 177Lu downscatter reaches the 166Ho photopeak
    assert lu.rate_cps_per_mbq(camera, HO_PEAK) > 0


def test_dead_time_rate_is_the_published_alpha_for_ho166():
    # alpha 8.1 cps/MBq: low-activity photopeak rate of Stella et al., EJNMMI Phys 2021;8:22, as
    # quoted in Adv Radiother Nucl Med 3(3) 2020 (REFERENCE.md); 1 % (two published digits)
    assert Camera().dead_time_rate_cps_per_mbq("Ho-166") == pytest.approx(8.1, rel=0.01)
    assert Camera().dead_time_rate_cps_per_mbq("Lu-177") > 0


@settings(max_examples=30, deadline=None)
@given(energy=st.floats(60.0, 250.0), centre=st.floats(60.0, 250.0),
       width=st.floats(5.0, 30.0))
def test_window_fractions_are_probabilities(energy, centre, width):
    camera = Camera()
    window = EnergyWindow.centred("w", centre_kev=centre, width_pct=width)
    primary = camera.window_fraction(energy, window)
    scatter = compton_window_fraction(camera, energy, window)
    assert 0.0 <= primary <= 1.0
    assert 0.0 <= scatter <= 1.0 + 1e-9
    assert np.isfinite(scatter)
