"""Time–activity fits (VOI and voxel), trapezoid fall-back, single time point."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _dosimetry_volumes import make_volume

from hepar.dosimetry import (
    TacModel,
    fit_time_activity,
    fit_voxel_time_activity,
    single_time_point_tia_mbq_h,
    trapezoid_tia_mbq_h,
)
from hepar.errors import InvalidValueError
from hepar.imaging import Mask
from hepar.physics import nuclide

LU_HALF_LIFE_H = nuclide("Lu-177").half_life_h
TIMES_H = np.array([1.0, 4.0, 24.0, 48.0, 96.0, 168.0])


def _bi(t, a1, l1, a2, l2):
    return a1 * np.exp(-l1 * t) + a2 * np.exp(-l2 * t)


@pytest.mark.parametrize(
    "params",
    [(-60.0, 0.45, 150.0, 0.011), (80.0, 0.2, 40.0, 0.0095)],  # uptake–washout and two clearances
)
def test_bi_exponential_fit_recovers_known_parameters_and_the_analytic_integral(params):
    activity = _bi(TIMES_H, *params)
    fit = fit_time_activity(TIMES_H, activity, half_life_h=LU_HALF_LIFE_H, model="bi")
    assert fit.model is TacModel.BI
    np.testing.assert_allclose(fit.parameters, params, rtol=1e-6)
    # analytic integral of the sum of exponentials from 0 to infinity: sum(A_i / lambda_i)
    a1, l1, a2, l2 = params
    assert fit.tia_mbq_h == pytest.approx(a1 / l1 + a2 / l2, rel=1e-6)


def test_mono_exponential_fit_and_its_uncertainty_is_consistent_with_the_scatter():
    rng = np.random.default_rng(7)
    truth = 100.0 * np.exp(-math.log(2) / 70.0 * TIMES_H)
    fits = [
        fit_time_activity(TIMES_H, truth * (1 + 0.05 * rng.normal(size=TIMES_H.size)),
                          half_life_h=LU_HALF_LIFE_H, model="mono", activity_sd_mbq=0.05 * truth)
        for _ in range(200)
    ]
    tias = np.array([f.tia_mbq_h for f in fits])
    reported = np.median([f.tia_sd_mbq_h for f in fits])
    # the covariance-propagated uncertainty matches the spread of repeated fits within 30 %
    assert reported == pytest.approx(tias.std(), rel=0.3)
    assert tias.mean() == pytest.approx(100.0 * 70.0 / math.log(2), rel=0.02)


def test_trapezoid_with_physical_tail_by_hand():
    t, a = [2.0, 10.0], [10.0, 6.0]
    # 0.5*10*2 + 0.5*(10+6)*8 + 6 / (ln2 / T)
    expected = 10.0 + 64.0 + 6.0 * LU_HALF_LIFE_H / math.log(2)
    assert trapezoid_tia_mbq_h(t, a, half_life_h=LU_HALF_LIFE_H) == pytest.approx(expected)


def test_a_fit_that_cannot_be_done_falls_back_to_the_trapezoid_and_says_why():
    fit = fit_time_activity([4.0, 24.0, 96.0], [50.0, 40.0, 20.0], half_life_h=LU_HALF_LIFE_H,
                            model="bi")
    assert fit.model is TacModel.TRAPEZOID
    assert "at least 4 time points" in fit.fallback_reason
    assert fit.tia_mbq_h == pytest.approx(
        trapezoid_tia_mbq_h([4.0, 24.0, 96.0], [50.0, 40.0, 20.0], half_life_h=LU_HALF_LIFE_H)
    )


def test_time_points_out_of_order_and_negative_activity_are_refused():
    with pytest.raises(InvalidValueError, match=r"times_h = \[24\.0, 4\.0, 96\.0\].*increasing"):
        fit_time_activity([24.0, 4.0, 96.0], [1.0, 2.0, 3.0], half_life_h=LU_HALF_LIFE_H)
    with pytest.raises(InvalidValueError, match=r"activity = \[1\.0, -2\.0\]"):
        fit_time_activity([4.0, 24.0], [1.0, -2.0], half_life_h=LU_HALF_LIFE_H)
    with pytest.raises(InvalidValueError, match="one value per time point"):
        fit_time_activity([4.0, 24.0], [1.0], half_life_h=LU_HALF_LIFE_H)


def test_voxel_fits_recover_each_voxels_integral():
    rng = np.random.default_rng(3)
    n = 6 * 6 * 6
    a1 = -rng.uniform(10, 50, n)
    l1 = rng.uniform(0.2, 0.6, n)
    a2 = rng.uniform(60, 150, n)
    l2 = rng.uniform(0.006, 0.02, n)
    maps = [make_volume(_bi(t, a1, l1, a2, l2).reshape(6, 6, 6), "Bq/mL") for t in TIMES_H]
    result = fit_voxel_time_activity(maps, TIMES_H, half_life_h=LU_HALF_LIFE_H, model="bi")
    expected_bq_s = (a1 / l1 + a2 / l2) * 3600.0
    np.testing.assert_allclose(result.tia.array.ravel(), expected_bq_s, rtol=1e-6)
    assert result.tia.unit == "Bq*s/mL"
    assert result.fallback_fraction == 0.0


def test_voxel_mono_fit_is_exact_for_mono_exponential_data_and_falls_back_on_zeros():
    lam = math.log(2) / 60.0
    base = np.full((2, 2, 2), 1000.0)
    base[0, 0, 0] = 0.0  # a voxel without activity cannot be log-fitted
    maps = [make_volume(base * math.exp(-lam * t), "Bq/mL") for t in TIMES_H]
    mask = Mask.on_grid_of("body", maps[0], np.ones((2, 2, 2)))
    result = fit_voxel_time_activity(maps, TIMES_H, half_life_h=LU_HALF_LIFE_H, model="mono",
                                     mask=mask)
    assert result.tia.array[1, 1, 1] == pytest.approx(1000.0 / lam * 3600.0, rel=1e-9)
    assert result.model_code[0, 0, 0] == 0 and result.tia.array[0, 0, 0] == 0.0
    assert result.fallback_fraction == pytest.approx(1 / 8)


def test_voxel_fits_refuse_maps_on_different_frames():
    maps = [make_volume(np.ones((2, 2, 2)), "Bq/mL"),
            make_volume(np.ones((2, 2, 2)), "Bq/mL", frame="1.2.3.9")]
    with pytest.raises(Exception, match=r"activity\[1\]\.frame_of_reference_uid"):
        fit_voxel_time_activity(maps, [4.0, 24.0], half_life_h=LU_HALF_LIFE_H)


def test_single_time_point_hanscheid_is_exact_when_the_effective_half_life_equals_t():
    # Hänscheid et al., J Nucl Med 2018;59:75: TIA ~= A(t) * 2 t / ln 2, exact for T_eff = t.
    t = 96.0
    lam = math.log(2) / t
    a_t = 100.0 * math.exp(-lam * t)
    exact = 100.0 / lam
    assert float(single_time_point_tia_mbq_h(a_t, t)) == pytest.approx(exact, rel=1e-12)
    # approximation / truth = 2x 2^-x with x = t / T_eff: within 10 % for T_eff from 0.6 t to
    # 1.25 t (the reason one measurement at about 4 days works for 177Lu-DOTATATE)
    for t_eff in (0.6 * t, 1.25 * t):
        lam = math.log(2) / t_eff
        approx = float(single_time_point_tia_mbq_h(100.0 * math.exp(-lam * t), t))
        assert approx == pytest.approx(100.0 / lam, rel=0.1)
    assert float(single_time_point_tia_mbq_h(a_t, t, effective_half_life_h=96.0)) == (
        pytest.approx(exact)
    )
