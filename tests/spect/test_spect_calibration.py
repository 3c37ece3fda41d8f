"""Camera calibration: sensitivity, decay and dead-time corrections, background ratio, record."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from spect_helpers import camera, point_in_air

from hepar.errors import HeparError, InvalidValueError
from hepar.phantoms import HO166_PHOTOPEAK, HO166_UPPER_SCATTER, broad_background_for
from hepar.physics import HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ, HO166_DEAD_TIME_S
from hepar.spect import CameraCalibration, EnergyWindow, Projections, calibrate_camera

START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
LU208 = EnergyWindow.centred("Lu177 208keV", centre_kev=208.0, width_pct=20.0)


def _sensitivity(cal: CameraCalibration, isotope: str) -> float:
    return next(s.sensitivity_cps_per_mbq for s in cal.sensitivities
                if s.isotope == isotope and s.net)


@pytest.mark.parametrize("isotope, window", [("Ho-166", HO166_PHOTOPEAK), ("Lu-177", LU208)])
def test_sensitivity_of_a_point_source_in_air_matches_the_collimator_formula(
        isotope: str, window: EnergyWindow) -> None:
    """Net photopeak cps/MBq = sum over lines of yield x geometric efficiency K^2 (d/l_e)^2
    d^2/(d+t)^2 x crystal absorption x window fraction (Cherry, Sorenson & Phelps, 4th ed.,
    ch. 14; the simulated camera's primaries). 2 %: Poisson noise (0.2 %) and the window-based
    background estimate of the calibration (166Ho background is 25 % of the primaries in air)."""
    acq = point_in_air(isotope, 50.0, START)
    cal = calibrate_camera(acq.projections, activity_mbq=50.0, reference_time=START)
    expected = camera().system_sensitivity_cps_per_mbq(isotope, window)
    assert _sensitivity(cal, isotope) == pytest.approx(expected, rel=0.02)


def test_background_ratio_from_the_tails_matches_the_continuum_of_the_two_windows() -> None:
    """k = counts of the broad 166Ho continuum in 81 keV per count in 118 keV: the ratio of the
    continuum's integrals over the two windows, to 2 %."""
    acq = point_in_air("Ho-166", 50.0, START)
    cal = calibrate_camera(acq.projections, activity_mbq=50.0, reference_time=START)
    broad = broad_background_for("Ho-166")
    assert broad is not None
    expected = (broad.rate_cps_per_mbq(camera(), HO166_PHOTOPEAK)
                / broad.rate_cps_per_mbq(camera(), HO166_UPPER_SCATTER))
    assert cal.crosstalk["Ho-166 81keV/118keV background"] == pytest.approx(expected, rel=0.02)


def test_dead_time_correction_makes_sensitivity_independent_of_activity() -> None:
    """Paralysable model (tau 3.1e-5 s, alpha 8.1 cps/MBq; REFERENCE.md): a 1.5 GBq source loses
    31 % of its counts, the corrected sensitivity equals the 50 MBq one within 1.5 %."""
    low = calibrate_camera(point_in_air("Ho-166", 50.0, START).projections, activity_mbq=50.0,
                           reference_time=START)
    high = calibrate_camera(point_in_air("Ho-166", 1500.0, START, seed=5).projections,
                            activity_mbq=1500.0, reference_time=START)
    assert _sensitivity(high, "Ho-166") == pytest.approx(_sensitivity(low, "Ho-166"), rel=0.015)


def _synthetic(counts_per_view: np.ndarray, frame_s: float) -> Projections:
    n = counts_per_view.size
    counts = np.zeros((2, n, 4, 4))
    counts[0] = counts_per_view[:, None, None] / 16.0
    return Projections(counts=counts, angles_deg=np.linspace(0, 360, n, endpoint=False),
                       detector_of_view=np.ones(n, int), windows=(HO166_PHOTOPEAK,
                                                                  HO166_UPPER_SCATTER),
                       pixel_spacing_mm=(4.8, 4.8), acquisition_start=START,
                       frame_duration_s=frame_s, isotope="Ho-166")


def test_decay_to_the_acquisition_and_over_each_frame() -> None:
    """Counts built by hand: view k of frame T sees A0 e^{-lambda k T}(1 - e^{-lambda T})/(lambda
    T) with lambda = ln 2 / 26.8 h (EANM guideline, Weber et al. 2022) and keeps
    e^{-tau alpha A} (the default tau and alpha of hepar.physics); A0 = A_ref
    2^{-(t0 - t_ref)/T1/2}. The calibration must give back S."""
    s_true, a_ref, frame_s, n = 12.0, 400.0, 1800.0, 12
    half_life_s = 26.812 * 3600.0  # NUBASE 2020 (REFERENCE.md); ICRP 107 gives 26.80 h
    lam = math.log(2) / half_life_s
    reference = START - timedelta(hours=20)
    a0 = a_ref * 2.0 ** (-20.0 * 3600.0 / half_life_s)
    k = np.arange(n)
    mean_activity = a0 * np.exp(-lam * k * frame_s) * -math.expm1(-lam * frame_s) / (lam * frame_s)
    # the calibration's default dead-time model (hepar.physics, refitted to Stella et al. 2021)
    kept = np.exp(-HO166_DEAD_TIME_S * HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ * mean_activity)
    counts = s_true * frame_s * mean_activity * kept
    cal = calibrate_camera(_synthetic(counts, frame_s), activity_mbq=a_ref,
                           reference_time=reference)
    # 0.2 %: the half-life of the nuclide data (ICRP 107 26.80 h vs 26.812 h) over 26 h
    assert _sensitivity(cal, "Ho-166") == pytest.approx(s_true, rel=2e-3)
    assert cal.source_activity_mbq == pytest.approx(a0, rel=2e-3)


def test_calibration_record_round_trips_through_json() -> None:
    cal = calibrate_camera(point_in_air("Lu-177", 50.0, START).projections, activity_mbq=50.0,
                           reference_time=START)
    text = json.dumps(cal.to_json_dict())
    back = CameraCalibration.from_json_dict(json.loads(text))
    assert back == cal


def test_calibration_errors_name_field_value_and_expectation() -> None:
    acq = point_in_air("Ho-166", 50.0, START).projections
    with pytest.raises(InvalidValueError, match=r"activity_mbq = -1\.0"):
        calibrate_camera(acq, activity_mbq=-1.0, reference_time=START)
    with pytest.raises(InvalidValueError, match=r"reference_time .*timezone-aware"):
        calibrate_camera(acq, activity_mbq=5.0, reference_time=datetime(2024, 5, 6, 9))
    only_lu = Projections(counts=np.ones((1, 2, 4, 4)), angles_deg=np.array([0.0, 180.0]),
                          detector_of_view=np.array([1, 2]), windows=(LU208,),
                          pixel_spacing_mm=(4.8, 4.8), acquisition_start=START,
                          frame_duration_s=10.0, isotope="Ho-166")
    with pytest.raises(HeparError, match=r"photopeak window containing 80\.6 keV"):
        calibrate_camera(only_lu, activity_mbq=5.0, reference_time=START)
    with pytest.raises(InvalidValueError, match=r"camera calibration\.dead_time_s"):
        CameraCalibration.from_json_dict({"sensitivities": [], "acquisition_start":
                                          START.isoformat()})
