"""Scatter, broad background and crosstalk in the simulated windows; invariants of the
projector (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phantom_helpers import BARE, acquire, centred_grid, coordinates

from hepar.errors import GeometryError, InvalidValueError, UnitMismatchError
from hepar.phantoms import (
    DUAL_ISOTOPE_WINDOWS,
    AcquisitionProtocol,
    Camera,
    SimulationOptions,
    Source,
    simulate_acquisition,
    view_plan,
)
from hepar.spect import EnergyWindow

LU_208 = EnergyWindow.centred("Lu177 208keV", centre_kev=208.0, width_pct=20.0)
REALISTIC = SimulationOptions(noise=False, dead_time=False, decay=False, workers=1)


def _water_ball(radius_mm: float):
    grid = centred_grid((20, 60, 60), 4.8)
    z, y, x = coordinates(grid)
    inside = (x**2 + y**2 + z**2) <= radius_mm**2
    return grid.with_array(np.where(inside, 0.0, -1000.0)), inside


def _totals(result, kind: str, nuclide: str) -> np.ndarray:
    return np.asarray(result.window_totals.get(f"{kind}:{nuclide}", [0.0] * 7))


def test_no_scatter_without_matter():
    grid = centred_grid((20, 60, 60), 4.8)
    activity = np.zeros(grid.shape)
    activity[10, 30, 30] = 10.0
    result = acquire(grid, {"Lu-177": activity}, Camera(matrix=32, pixel_mm=9.6), LU_208,
                     options=REALISTIC, n_views=8)
    assert _totals(result, "scatter", "Lu-177").sum() == 0.0


def test_scatter_to_primary_ratio_grows_with_depth():
    """Build-up: deeper sources carry more scatter per primary photon."""
    camera = Camera(matrix=32, pixel_mm=9.6)
    ratios = []
    for radius in (40.0, 110.0):
        hu, _inside = _water_ball(radius)
        activity = np.zeros(hu.shape)
        activity[10, 30, 30] = 10.0
        result = acquire(hu, {"Lu-177": activity}, camera, LU_208, options=REALISTIC,
                         n_views=8)
        ratios.append(_totals(result, "scatter", "Lu-177")[0]
                      / _totals(result, "primary", "Lu-177")[0])
    assert 0 < ratios[0] < ratios[1]


def test_dual_isotope_crosstalk_in_every_window():
    """166Ho puts no primary photons in the 177Lu windows, only its broad background;
    177Lu reaches the 166Ho photopeak by scatter and its broad background."""
    hu, _inside = _water_ball(110.0)
    ho = np.zeros(hu.shape)
    ho[10, 30, 30] = 100.0
    lu = np.zeros(hu.shape)
    lu[10, 28, 33] = 100.0
    result = acquire(hu, {"Ho-166": ho, "Lu-177": lu}, Camera(matrix=32, pixel_mm=9.6),
                     DUAL_ISOTOPE_WINDOWS, options=REALISTIC, n_views=8)
    names = [w.name for w in DUAL_ISOTOPE_WINDOWS]
    peak, lu208 = names.index("Ho166 81keV"), names.index("Lu177 208keV")
    assert _totals(result, "primary", "Ho-166")[lu208] == 0.0
    assert _totals(result, "background", "Ho-166")[lu208] > 0.0
    assert _totals(result, "scatter", "Lu-177")[peak] > 0.0
    assert _totals(result, "background", "Lu-177")[peak] > 0.0
    # the components add up to the expected counts of each window
    summed = sum(np.asarray(v) for v in result.window_totals.values())
    np.testing.assert_allclose(summed, result.expected_counts.sum(axis=(1, 2, 3)), rtol=1e-4)


def test_opposite_heads_see_the_same_counts_in_air():
    """Symmetry: in air, views 180 degrees apart record the same counts."""
    grid = centred_grid((20, 60, 60), 4.8)
    activity = np.zeros(grid.shape)
    activity[8, 20, 41] = 3.0
    result = acquire(grid, {"Lu-177": activity}, Camera(matrix=32, pixel_mm=9.6), LU_208,
                     options=SimulationOptions(attenuation=False, scatter=False,
                                               background=False, dead_time=False, decay=False,
                                               noise=False, workers=1), n_views=12)
    totals = result.expected_counts[0].sum(axis=(1, 2))
    np.testing.assert_allclose(totals[:6], totals[6:], rtol=1e-4)


@settings(max_examples=12, deadline=None)
@given(k=st.integers(2, 17), j=st.integers(14, 45), i=st.integers(14, 45),
       views=st.sampled_from([4, 8, 12]))
def test_counts_are_conserved_for_any_point_in_air(k, j, i, views):
    """Splatting and the collimator response conserve counts: every view of a point within
    75 mm of the axis (its blurred image well inside the 307 mm detector) records S A t."""
    grid = centred_grid((20, 60, 60), 4.8)
    activity = np.zeros(grid.shape)
    activity[k, j, i] = 1.0
    camera = Camera(matrix=32, pixel_mm=9.6)
    options = SimulationOptions(attenuation=False, collimator=True, scatter=False,
                                background=False, dead_time=False, decay=False, noise=False,
                                workers=1)
    result = acquire(grid, {"Lu-177": activity}, camera, LU_208, options=options,
                     n_views=views, frame_s=1.0)
    expected = camera.system_sensitivity_cps_per_mbq("Lu-177", LU_208)
    np.testing.assert_allclose(result.expected_counts[0].sum(axis=(1, 2)), expected, rtol=2e-3)


@settings(max_examples=20, deadline=None)
@given(heads=st.sampled_from([1, 2, 3, 4]), per_head=st.integers(1, 40),
       start=st.floats(0.0, 359.0))
def test_view_plan_covers_the_circle_evenly(heads, per_head, start):
    plan = view_plan(heads * per_head, heads, start_angle_deg=start)
    assert plan.n_views == heads * per_head
    assert plan.n_steps == per_head
    angles = np.sort(plan.angles_deg)
    gaps = np.diff(np.concatenate([angles, angles[:1] + 360.0]))
    np.testing.assert_allclose(gaps, 360.0 / (heads * per_head), atol=1e-6)


def test_simulator_errors_name_the_field():
    grid = centred_grid((20, 60, 60), 4.8)
    activity = np.zeros(grid.shape)
    camera = Camera(matrix=32, pixel_mm=9.6)
    with pytest.raises(GeometryError, match="spacing_mm"):
        acquire(centred_grid((20, 60, 60), 6.0), {"Lu-177": activity}, camera, LU_208)
    with pytest.raises(GeometryError, match="slices"):
        acquire(centred_grid((21, 60, 60), 4.8), {"Lu-177": np.zeros((21, 60, 60))}, camera,
                LU_208)
    with pytest.raises(InvalidValueError, match="activities"):
        acquire(grid, {"Lu-177": -activity - 1.0}, camera, LU_208)
    with pytest.raises(InvalidValueError, match="activities"):
        acquire(grid, {"Lu-177": np.zeros((4, 4, 4))}, camera, LU_208)
    with pytest.raises(InvalidValueError, match="n_views"):
        acquire(grid, {"Lu-177": activity}, camera, LU_208, n_views=7)
    with pytest.raises(UnitMismatchError, match=r"hu\.unit"):
        acquire(grid.with_array(grid.array, "Bq/mL"), {"Lu-177": activity}, camera, LU_208)
    with pytest.raises(InvalidValueError, match="acquisition_start"):
        from datetime import datetime

        simulate_acquisition(hu=grid, sources=[Source("Lu-177", activity)], camera=camera,
                             protocol=AcquisitionProtocol("t", (LU_208,)),
                             acquisition_start=datetime(2020, 1, 1),
                             rng=np.random.default_rng(0), options=BARE)
    hot = np.zeros(grid.shape)
    hot[10, 30, 59] = 1.0  # 142 mm from the axis
    with pytest.raises(GeometryError, match="radius_mm"):
        acquire(grid, {"Lu-177": hot}, camera, LU_208, radius_mm=100.0)
    with pytest.raises(InvalidValueError, match="frame_duration_s"):
        AcquisitionProtocol("t", (LU_208,), frame_duration_s=0.0)
