"""The acquisition simulator against physics: counts, resolution, attenuation, dead time, decay.

Every expected value here is computed from a textbook formula in the test, never from the
simulator's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from phantom_helpers import BARE, acquire, centred_grid, coordinates, nist_lead_mu_per_mm
from scipy.integrate import quad
from scipy.optimize import curve_fit
from scipy.special import erf

from hepar.phantoms import LEHR, MEDIUM_ENERGY, Camera, SimulationOptions
from hepar.physics import MM_PER_CM, linear_attenuation_per_cm, nuclide
from hepar.spect import EnergyWindow

TC_WINDOW = EnergyWindow.centred("Tc99m 140keV", centre_kev=140.5, width_pct=20.0)
LU_WINDOW = EnergyWindow.centred("Lu177 208keV", centre_kev=208.0, width_pct=20.0)


def _cylinder(radius_mm: float, half_length_mm: float, spacing_mm: float):
    """A water cylinder along z (fractional occupancy at its edge) and its activity."""
    grid = centred_grid((40, 100, 100), spacing_mm)
    z, y, x = coordinates(grid)
    sub = 4
    occupancy = np.zeros((grid.shape[1], grid.shape[2]))
    for a in range(sub):
        for b in range(sub):
            yy = y[0] + ((a + 0.5) / sub - 0.5) * spacing_mm
            xx = x[0] + ((b + 0.5) / sub - 0.5) * spacing_mm
            occupancy += (xx**2 + yy**2 <= radius_mm**2) / sub**2
    inside = (np.abs(z) <= half_length_mm) * occupancy[None]
    hu = np.where(inside > 0, -1000.0 + 1000.0 * inside, -1000.0)
    return grid.with_array(hu), inside


def test_uniform_cylinder_counts_match_sensitivity_activity_time_transmission():
    """Total counts of a noiseless uniform water cylinder = S x A x t x mean transmission.

    For a uniform disc of radius R and attenuation mu, the mean transmission along parallel
    rays towards a detector is (1 / pi R^2) * integral over u of (1 - exp(-2 mu h(u))) / mu,
    h(u) = sqrt(R^2 - u^2) (straightforward integration of exp(-mu x) over the disc).
    Tolerance 2 % (issue 3); discretisation of the disc on a 2.4 mm grid is well below it.
    """
    radius, activity_mbq, frame_s = 100.0, 100.0, 10.0
    grid, inside = _cylinder(radius, 30.0, 2.4)
    activity = inside / inside.sum() * activity_mbq
    camera = Camera(collimator=LEHR, matrix=64)
    options = SimulationOptions(attenuation=True, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=1)
    result = acquire(grid, {"Tc-99m": activity}, camera, TC_WINDOW, options=options)
    mu = linear_attenuation_per_cm("water", 140.511) / 10.0  # 1/mm, at the 99mTc line
    transmission = quad(lambda u: -math.expm1(-2 * mu * math.sqrt(radius**2 - u**2)) / mu,
                        -radius, radius)[0] / (math.pi * radius**2)
    sensitivity = camera.system_sensitivity_cps_per_mbq("Tc-99m", TC_WINDOW)
    expected = sensitivity * activity_mbq * frame_s * transmission
    per_view = result.expected_counts[0].sum(axis=(1, 2))
    np.testing.assert_allclose(per_view, expected, rtol=0.02)


def _fwhm_mm(profile: np.ndarray, pixel_mm: float) -> float:
    """FWHM of a Gaussian integrated over detector pixels, fitted to a 1-D profile."""
    centres = (np.arange(profile.size) - (profile.size - 1) / 2) * pixel_mm

    def model(x, amplitude, mean, sigma):
        w = sigma * math.sqrt(2.0)
        return amplitude * 0.5 * (erf((x + pixel_mm / 2 - mean) / w)
                                  - erf((x - pixel_mm / 2 - mean) / w))

    start = (profile.sum(), centres[profile.argmax()], 5.0)
    (_, _, sigma), _ = curve_fit(model, centres, profile, p0=start)
    return abs(sigma) * 2.0 * math.sqrt(2.0 * math.log(2.0))


@pytest.mark.parametrize(
    ("collimator", "nuclide_name", "window", "energy_kev"),
    [(MEDIUM_ENERGY, "Lu-177", LU_WINDOW, 208.366), (LEHR, "Tc-99m", TC_WINDOW, 140.511)],
)
def test_point_source_fwhm_follows_the_collimator_formula(collimator, nuclide_name, window,
                                                          energy_kev):
    """Projected FWHM of a point source at 150, 250 and 350 mm within 5 % of the formula.

    Formula (Cherry, Sorenson & Phelps, Physics in Nuclear Medicine, 4th ed., ch. 14):
    R_g = d (l_e + b) / l_e with l_e = l - 2/mu_Pb(E), system R = sqrt(R_g^2 + R_i^2);
    mu_Pb from the NIST table (Hubbell & Seltzer, NISTIR 5632), not the simulator's library.
    The 1.2 mm source voxel adds s^2/12 to the variance (< 0.5 %).
    """
    spacing = 1.2
    grid = centred_grid((20, 200, 200), spacing)
    _, y, x = coordinates(grid)
    j = int(np.argmin(np.abs(y[0, :, 0] - 100.0)))  # 100 mm posterior of the axis
    i = int(np.argmin(np.abs(x[0, 0, :])))
    activity = np.zeros(grid.shape)
    activity[10, j, i] = 1.0
    camera = Camera(collimator=collimator, matrix=64)
    options = SimulationOptions(attenuation=False, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=1)
    result = acquire(grid, {nuclide_name: activity}, camera, window, options=options,
                     radius_mm=250.0)
    effective = collimator.hole_length_mm - 2.0 / nist_lead_mu_per_mm(energy_kev)
    intrinsic = 3.8 * math.sqrt(140.0 / energy_kev)  # 3.8 mm at 140 keV, 1/sqrt(E)
    source_y = float(y[0, j, 0])
    for view, distance in ((0, 250.0 - source_y), (30, 250.0), (60, 250.0 + source_y)):
        geometric = collimator.hole_diameter_mm * (effective + distance) / effective
        expected = math.hypot(geometric, intrinsic)
        image = result.expected_counts[0, view]
        rows = _fwhm_mm(image.sum(axis=1), camera.pixel_mm)
        columns = _fwhm_mm(image.sum(axis=0), camera.pixel_mm)
        assert rows == pytest.approx(expected, rel=0.05), (view, distance)
        assert columns == pytest.approx(expected, rel=0.05), (view, distance)


def test_attenuation_through_water_matches_exp_minus_mu_x():
    """A point source behind 100 mm of water: counts / unattenuated counts = exp(-mu x).

    The slab lies between the source and the posterior head (view 0) only; the opposite
    head (view 60) sees the source through air at the same distance. mu of water from the NIST
    table (Hubbell & Seltzer, NISTIR 5632: 0.1370 cm^2/g at 200 keV, 0.1186 at 300 keV, log-log
    to 208.366 keV: 0.1350 /cm), not from the simulator's library. Tolerance 2 % (issue 3).
    """
    spacing = 2.4
    grid = centred_grid((20, 120, 120), spacing)
    z, y, x = coordinates(grid)
    slab = (y > 10.0) & (y < 110.0) & (np.abs(x) < 120.0) & (np.abs(z) < 20.0)
    thickness = float(slab[10, :, 60].sum()) * spacing
    hu = np.where(slab, 0.0, -1000.0)
    activity = np.zeros(grid.shape)
    activity[10, 60, 60] = 5.0
    camera = Camera(collimator=MEDIUM_ENERGY, matrix=32, pixel_mm=9.6)
    options = SimulationOptions(attenuation=True, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=1)
    result = acquire(grid.with_array(hu), {"Lu-177": activity}, camera, LU_WINDOW,
                     options=options, radius_mm=250.0, n_views=120)
    counts = result.expected_counts[0].sum(axis=(1, 2))
    slope = math.log(0.1186 / 0.1370) / math.log(300.0 / 200.0)
    mu = 0.1370 * (208.366 / 200.0) ** slope / MM_PER_CM  # water 1.000 g/cm^3, per mm
    assert thickness == pytest.approx(100.8, abs=0.1)
    assert counts[0] / counts[60] == pytest.approx(math.exp(-mu * thickness), rel=0.02)


def test_counts_in_air_equal_sensitivity_times_activity_time_for_every_view():
    """Without attenuation every view of a point source records S x A x t (the collimator
    response conserves counts)."""
    grid = centred_grid((20, 80, 80), 2.4)
    activity = np.zeros(grid.shape)
    activity[10, 30, 50] = 2.0
    camera = Camera(collimator=MEDIUM_ENERGY, matrix=64)
    options = SimulationOptions(attenuation=False, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=2)
    result = acquire(grid, {"Lu-177": activity}, camera, LU_WINDOW, options=options,
                     n_views=24, frame_s=20.0)
    expected = camera.system_sensitivity_cps_per_mbq("Lu-177", LU_WINDOW) * 2.0 * 20.0
    np.testing.assert_allclose(result.expected_counts[0].sum(axis=(1, 2)), expected, rtol=1e-3)


def test_paralysable_dead_time_loses_a_fifth_of_the_counts_at_0_7_gbq():
    """Stella et al., EJNMMI Phys 2021;8:22 (PMC7925770), abstract, Results: "A 20 % count loss
    due to dead time was observed around 0.7 GBq in the photopeak window". The simulator applies
    the paralysable model C = alpha A exp(-tau alpha A) with the camera's defaults (alpha
    8.1 cps/MBq, tau refitted to that point, hepar.physics._dead_time): 700 MBq keeps 0.80.
    Tolerance +-0.005: tau 5 % off gives 0.791 or 0.809; the former tau (3.1e-5 s) gave 0.839."""
    grid = centred_grid((10, 40, 40), 4.8)
    activity = np.zeros(grid.shape)
    activity[5, 20, 20] = 700.0
    camera = Camera(matrix=32, pixel_mm=9.6)
    window = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
    on = SimulationOptions(attenuation=False, collimator=False, scatter=False, background=False,
                           dead_time=True, decay=False, noise=False, workers=1)
    with_loss = acquire(grid, {"Ho-166": activity}, camera, window, options=on, n_views=8)
    without = acquire(grid, {"Ho-166": activity}, camera, window, options=BARE, n_views=8)
    ratio = with_loss.expected_counts.sum() / without.expected_counts.sum()
    assert ratio == pytest.approx(0.80, abs=0.005)
    assert with_loss.dead_time_kept == pytest.approx(0.80, abs=0.005)


def test_decay_during_the_acquisition_follows_the_half_life():
    """View k of a step-and-shoot scan integrates A0 exp(-lambda t) over [kT, (k+1)T]."""
    grid = centred_grid((10, 40, 40), 4.8)
    activity = np.zeros(grid.shape)
    activity[5, 20, 20] = 10.0
    camera = Camera(matrix=32, pixel_mm=9.6)
    window = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
    on = SimulationOptions(attenuation=False, collimator=False, scatter=False, background=False,
                           dead_time=False, decay=True, noise=False, workers=1)
    frame_s = 1800.0
    result = acquire(grid, {"Ho-166": activity}, camera, window, options=on, n_views=8,
                     frame_s=frame_s)
    lam = math.log(2.0) / (nuclide("Ho-166").half_life_h * 3600.0)
    per_view = result.expected_counts[0].sum(axis=(1, 2))
    steps = np.tile(np.arange(4), 2)
    integral = np.exp(-lam * steps * frame_s) * -math.expm1(-lam * frame_s) / lam
    sensitivity = camera.system_sensitivity_cps_per_mbq("Ho-166", window)
    np.testing.assert_allclose(per_view, sensitivity * 10.0 * integral, rtol=1e-5)


def test_geometry_follows_the_dicom_angle_convention():
    """A source at the patient's left (+x) seen by the posterior head (0 degrees) appears in
    the left half of the columns (columns run towards the patient's right, seen from behind);
    at 90 degrees the head is at the patient's left, where the source is nearest."""
    grid = centred_grid((10, 80, 80), 2.4)
    activity = np.zeros(grid.shape)
    activity[5, 40, 70] = 1.0  # x = +74.4 mm (left), y = +1.2 mm
    camera = Camera(collimator=MEDIUM_ENERGY, matrix=32, pixel_mm=9.6)
    options = SimulationOptions(attenuation=False, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=1)
    result = acquire(grid, {"Lu-177": activity}, camera, LU_WINDOW, options=options, n_views=4,
                     radius_mm=200.0)
    views = result.expected_counts[0]
    assert result.projections.angles_deg.tolist() == [0.0, 90.0, 180.0, 270.0]
    column = np.arange(32)
    centroid = [float((views[v].sum(axis=0) * column).sum() / views[v].sum()) for v in range(4)]
    assert centroid[0] < 15.5 < centroid[2]  # mirrored for the anterior head
    peak = [float(views[v].max()) for v in range(4)]
    assert peak[1] == max(peak)  # nearest head: the sharpest image
    # the recorded detector geometry maps the source to where its image is (head 1, view 0)
    geometry = result.projections.metadata["detector_geometry"][0]
    origin = np.array(geometry["image_position_patient"])
    iop = np.array(geometry["image_orientation_patient"])
    along_row, down_column = iop[:3], iop[3:]
    source = np.array(grid.world_mm((5, 40, 70)))  # LPS (x, y, z)
    column = float((source - origin) @ along_row) / camera.pixel_mm
    row = float((source - origin) @ down_column) / camera.pixel_mm
    image = views[0]
    rows, columns = np.arange(32), np.arange(32)
    assert float((image.sum(axis=1) * rows).sum() / image.sum()) == pytest.approx(row, abs=0.05)
    assert float((image.sum(axis=0) * columns).sum() / image.sum()) == pytest.approx(column,
                                                                                    abs=0.05)


def test_poisson_noise_is_seeded_and_has_poisson_statistics():
    grid = centred_grid((10, 40, 40), 4.8)
    activity = np.zeros(grid.shape)
    activity[5, 20, 20] = 50.0
    camera = Camera(matrix=32, pixel_mm=9.6)
    window = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
    noisy = SimulationOptions(attenuation=False, collimator=False, scatter=False,
                              background=False, dead_time=False, decay=False, noise=True,
                              workers=1)
    a = acquire(grid, {"Ho-166": activity}, camera, window, options=noisy, n_views=40, seed=3)
    b = acquire(grid, {"Ho-166": activity}, camera, window, options=noisy, n_views=40, seed=3)
    c = acquire(grid, {"Ho-166": activity}, camera, window, options=noisy, n_views=40, seed=4)
    np.testing.assert_array_equal(a.projections.counts, b.projections.counts)
    assert not np.array_equal(a.projections.counts, c.projections.counts)
    totals = a.projections.counts[0].sum(axis=(1, 2)).astype(float)
    mean = float(a.expected_counts[0].sum(axis=(1, 2)).mean())
    # 40 views of a Poisson total: the mean within 4 standard errors, variance ~ mean
    assert abs(totals.mean() - mean) < 4.0 * math.sqrt(mean / totals.size)
    assert 0.4 * mean < totals.var(ddof=1) < 2.0 * mean


def _liver_phantom(spacing_mm: float = 4.8):
    """A water-equivalent (40 HU) elliptical body 340 x 220 mm with an ellipsoidal liver
    (180 x 130 x 140 mm, about 1.7 L) off-centre to the right, holding 1 MBq of 166Ho."""
    grid = centred_grid((40, 80, 80), spacing_mm)
    z, y, x = coordinates(grid)
    body = ((x / 170.0) ** 2 + (y / 110.0) ** 2 <= 1.0) & (np.abs(z) <= 90.0)
    liver = ((x + 40.0) / 90.0) ** 2 + (y / 65.0) ** 2 + (z / 70.0) ** 2 <= 1.0
    activity = liver / liver.sum()
    return grid.with_array(np.where(body, 40.0, -1000.0)), activity


@pytest.mark.xfail(strict=True, reason=(
    "simulated 166Ho photopeak rate of a liver phantom is 2.7 cps/MBq per head (48 % primary, "
    "19 % scatter, 33 % broad background), below the measured 8.1 cps/MBq of Stella et al. 2021 "
    "even if that is for both heads (4.05 per head): the broad-background size has no published "
    "source and the simulator is not calibrated to this figure (README, hepar phantom)"))
def test_low_activity_photopeak_rate_of_a_liver_phantom_is_the_measured_alpha():
    """Stella et al., EJNMMI Phys 2021;8:22, liver compartment of an anthropomorphic phantom on a
    Symbia T16 with the ME collimator, 81 keV 15 % window: 8.1 cps/MBq at low activity (as quoted
    in Adv Radiother Nucl Med 3(3) 2020; taken here as both heads, so 4.05 cps/MBq per head).
    Tolerance 20 %: our phantom is an ellipsoid liver in an elliptical body, not theirs.

    Strict xfail: the simulator is known to be below (see the reason); this test turns red when
    the simulator comes within 20 % of the measurement, so that the marker is removed then."""
    hu, activity = _liver_phantom()
    window = EnergyWindow.centred("Ho166 81keV", centre_kev=81.0, width_pct=15.0)
    options = SimulationOptions(attenuation=True, collimator=True, scatter=True, background=True,
                                dead_time=False, decay=False, noise=False, workers=1)
    result = acquire(hu, {"Ho-166": activity}, Camera(matrix=64, pixel_mm=9.6), window,
                     options=options, n_views=16, frame_s=1.0)
    per_head_cps_per_mbq = float(result.expected_counts[0].sum(axis=(1, 2)).mean())
    assert per_head_cps_per_mbq == pytest.approx(8.1 / 2.0, rel=0.20)
