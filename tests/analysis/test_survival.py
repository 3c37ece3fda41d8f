"""Kaplan-Meier against the textbook leukaemia remission data (Freireich et al., Blood
1963;21:699), as tabulated by Kleinbaum & Klein, Survival Analysis: A Self-Learning Text, 3rd ed.
(Springer 2012), chapter 2, and as R's survival::survfit gives it."""

from __future__ import annotations

import pytest

from hepar.analysis import kaplan_meier
from hepar.errors import InvalidValueError

# 6-MP arm: remission times in weeks, 0 = censored (n = 21, 9 relapses)
SIX_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1),
          (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0),
          (34, 0), (35, 0)]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_km_6mp_survival_matches_the_textbook_table() -> None:
    km = kaplan_meier([t for t, _ in SIX_MP], [bool(e) for _, e in SIX_MP], name="6-MP",
                      unit="weeks")
    # Kleinbaum & Klein Table (6-MP): S(t) at the event times, printed to 4 decimals
    for t, s in ((6, 0.8571), (7, 0.8067), (10, 0.7529), (13, 0.6902), (16, 0.6275),
                 (22, 0.5378), (23, 0.4482)):
        assert km.at(t) == pytest.approx(s, abs=5e-5)
    assert km.median == 23.0  # median remission 23 weeks on 6-MP
    assert (km.n, km.events) == (21, 9)


def test_km_placebo_median_is_8_weeks() -> None:
    km = kaplan_meier(PLACEBO, [True] * 21, name="placebo", unit="weeks")
    assert km.median == 8.0  # median remission 8 weeks on placebo (same source)
    assert km.at(8) == pytest.approx(8 / 21, abs=1e-12)  # 13 of 21 relapsed by week 8


def test_km_refuses_mismatched_inputs() -> None:
    with pytest.raises(InvalidValueError, match="durations"):
        kaplan_meier([1.0, 2.0], [True], name="x")
