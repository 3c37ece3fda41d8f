"""Paralysable dead-time correction of the reconstruction (hepar.spect._dead_time).

Published reference: Stella et al., "Gamma camera characterization at high holmium-166 activity
in liver radioembolization", EJNMMI Phys 2021;8:22, abstract, Results: "a 20 % count loss due
to dead time was observed around 0.7 GBq in the photopeak window" (Siemens Symbia T16, ME
collimator, 81 keV 15 % window, liver compartment of an anthropomorphic phantom, up to
2.7 GBq). The paper's other count-rate points (its figure of observed vs expected rate) were not
reachable from here; the tests below pin that one point and check the solver against the
closed form of the paralysable model (Lambert W, Knoll, Radiation Detection and Measurement,
4th ed., ch. 4).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import lambertw

from hepar.errors import InvalidValueError
from hepar.physics import HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ, HO166_DEAD_TIME_S, nuclide
from hepar.spect import correct_dead_time

C_PER_MBQ = HO166_DEAD_TIME_S * HO166_DEAD_TIME_ALPHA_CPS_PER_MBQ


def test_kept_fraction_at_0_7_gbq_is_stella_2021s_80_percent() -> None:
    """0.80 kept at 700 MBq (Stella 2021): a 5 % error of tau would move it by 0.011, so the
    tolerance 0.005 fails a constant 5 % off."""
    kept = math.exp(-C_PER_MBQ * 700.0)
    assert kept == pytest.approx(0.80, abs=0.005)
    corrected = correct_dead_time(0.80 * 700.0, C_PER_MBQ, [1.0])
    assert corrected.activity_mbq == pytest.approx(700.0, rel=0.01)
    assert corrected.kept_fraction == pytest.approx(0.80, abs=0.005)


@pytest.mark.parametrize("true_mbq", [250.0, 700.0, 1420.0, 2700.0])
def test_constant_kept_fraction_matches_the_lambert_w_closed_form(true_mbq: float) -> None:
    """With one decay factor the model is A_m = A exp(-cA): A = -W0(-c A_m)/c. 250 MBq: a
    scout; 1420 MBq: the activity above which dead time rises steeply (scan later); 2.7 GBq:
    Stella 2021's highest activity, still on the low branch (peak at 1/c = 3.1 GBq)."""
    measured = true_mbq * math.exp(-C_PER_MBQ * true_mbq)
    closed = float(-lambertw(-C_PER_MBQ * measured, 0).real / C_PER_MBQ)
    result = correct_dead_time(measured, C_PER_MBQ, np.ones(60))
    assert closed == pytest.approx(true_mbq, rel=1e-9)
    assert result.activity_mbq == pytest.approx(closed, rel=1e-8)
    assert result.peak_activity_mbq == pytest.approx(1.0 / C_PER_MBQ, rel=1e-8)
    # error propagation of the paralysable model: dA/A = dA_m/A_m / (1 - cA)
    assert result.error_gain == pytest.approx(1.0 / (1.0 - C_PER_MBQ * true_mbq), rel=1e-6)


def test_kept_fraction_changes_from_view_to_view_as_the_source_decays() -> None:
    """A 166Ho scan of 60 steps of 30 s (30 min): the first view loses more than the last. The
    correction solves the decay-weighted mean kept fraction; with per-view fractions the total
    differs from the one-fraction (Lambert W) answer, which assumes the mean decay throughout."""
    lam = math.log(2.0) / (nuclide("Ho-166").half_life_h * 3600.0)
    t = 30.0
    decay = np.exp(-lam * np.arange(60) * t) * -math.expm1(-lam * t) / (lam * t)
    true = 1420.0
    measured = true * float(np.sum(decay * np.exp(-C_PER_MBQ * true * decay)) / decay.sum())
    result = correct_dead_time(measured, C_PER_MBQ, decay)
    assert result.activity_mbq == pytest.approx(true, rel=1e-9)
    assert result.kept_first < result.kept_last
    assert result.kept_first == pytest.approx(math.exp(-C_PER_MBQ * true * decay[0]), rel=1e-9)


def test_a_total_past_the_paralysable_maximum_is_refused() -> None:
    """The largest measurable total is 1/(e c) (count rate 1/(e tau)); above it the model has
    no solution and the reconstruction refuses rather than return a number."""
    maximum = 1.0 / (math.e * C_PER_MBQ)
    assert correct_dead_time(0.999 * maximum, C_PER_MBQ, [1.0]).activity_mbq < 1.0 / C_PER_MBQ
    with pytest.raises(InvalidValueError, match="past the model's peak"):
        correct_dead_time(1.001 * maximum, C_PER_MBQ, [1.0])


def test_no_dead_time_leaves_the_total_unchanged() -> None:
    result = correct_dead_time(123.0, 0.0, [1.0, 0.99])
    assert (result.activity_mbq, result.kept_fraction) == (123.0, 1.0)
