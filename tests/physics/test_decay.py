"""Decay factors and time-integrated activity against closed-form values."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.errors import InvalidValueError
from hepar.physics import (
    decay_factor,
    elapsed_h,
    nuclide,
    number_of_decays,
    time_integrated_activity_mbq_h,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_one_half_life_halves_the_activity_and_back_correction_doubles_it():
    assert decay_factor(T0, T0 + timedelta(hours=26.8), 26.8) == pytest.approx(0.5, rel=1e-12)
    assert decay_factor(T0, T0 - timedelta(hours=26.8), 26.8) == pytest.approx(2.0, rel=1e-12)


def test_decay_across_time_zones_uses_the_instant_not_the_wall_clock():
    cet = timezone(timedelta(hours=1))
    same_instant = T0.astimezone(cet)
    assert decay_factor(T0, same_instant, 26.8) == 1.0


def test_naive_datetime_is_refused_with_the_field_named():
    with pytest.raises(InvalidValueError, match="at_time"):
        decay_factor(T0, datetime(2025, 3, 2, 9, 0), 26.8)


def test_residual_lu177_after_four_cycles_matches_reference():
    # REFERENCE.md: residual 177Lu from 7.4 GBq by physical decay alone is ~21 MBq at 8 weeks and
    # ~1 MBq at 12 weeks. Analytic: 7400 * 2**(-56/6.647) = 21.5 MBq; 7400 * 2**(-84/6.647) = 1.16.
    lu = nuclide("Lu-177")
    at_8_weeks = 7400.0 * decay_factor(T0, T0 + timedelta(weeks=8), lu.half_life_h)
    at_12_weeks = 7400.0 * decay_factor(T0, T0 + timedelta(weeks=12), lu.half_life_h)
    assert at_8_weeks == pytest.approx(7400.0 * 2 ** (-56 / 6.647), rel=1e-6)
    assert at_8_weeks == pytest.approx(21.0, rel=0.05)  # "~21": rounding of the reference
    assert at_12_weeks == pytest.approx(1.16, rel=0.01)


def test_time_integrated_activity_full_decay_is_a_times_mean_life():
    # MIRD: A~ = A0 / lambda = A0 T1/2 / ln 2.
    assert float(time_integrated_activity_mbq_h(100.0, 26.8)) == pytest.approx(
        100.0 * 26.8 / math.log(2.0), rel=1e-12
    )


def test_time_integrated_activity_over_one_half_life_is_half_of_full_decay():
    full = float(time_integrated_activity_mbq_h(1.0, 26.8))
    assert float(time_integrated_activity_mbq_h(1.0, 26.8, duration_h=26.8)) == pytest.approx(
        full / 2.0, rel=1e-12
    )


def test_number_of_decays_of_one_mbq_ho166():
    # 1 MBq * 26.8 h * 3600 s/h / ln 2 = 1.3919e11 decays.
    assert float(number_of_decays(1.0, 26.8)) == pytest.approx(1.3919e11, rel=1e-4)


@settings(max_examples=50, deadline=None)
@given(
    half_life_h=st.floats(1.0, 1e4),
    hours_a=st.floats(-500.0, 500.0),
    hours_b=st.floats(-500.0, 500.0),
)
def test_decay_factors_compose(half_life_h, hours_a, hours_b):
    a = T0 + timedelta(hours=hours_a)
    b = a + timedelta(hours=hours_b)
    direct = decay_factor(T0, b, half_life_h)
    composed = decay_factor(T0, a, half_life_h) * decay_factor(a, b, half_life_h)
    assert direct == pytest.approx(composed, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(duration_h=st.floats(0.0, 1e5))
def test_finite_integral_never_exceeds_full_decay(duration_h):
    assert float(time_integrated_activity_mbq_h(1.0, 26.8, duration_h=duration_h)) <= float(
        time_integrated_activity_mbq_h(1.0, 26.8)
    ) * (1 + 1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_half_life_is_refused(bad):
    with pytest.raises(InvalidValueError, match="half_life_h"):
        time_integrated_activity_mbq_h(1.0, bad)


def test_elapsed_hours_is_signed():
    assert elapsed_h(T0, T0 - timedelta(hours=3)) == -3.0
