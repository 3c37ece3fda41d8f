"""Exact binomial statistics against published numbers and the binomial tails' definition."""

from __future__ import annotations

import pytest
from scipy import stats

from hepar.analysis import clopper_pearson, exact_binomial_p_value, simon_decision, simon_design
from hepar.clinical import SimonDesign, validate_record
from hepar.errors import InvalidValueError


def test_clopper_pearson_matches_reference_md_13_of_30() -> None:
    # REFERENCE.md (Statistics): 13/30 -> 43.3 % (25.5-62.6 %); published to 0.1 %.
    e = clopper_pearson(13, 30)
    assert round(100 * e.rate, 1) == 43.3
    assert round(100 * e.lower, 1) == 25.5
    assert round(100 * e.upper, 1) == 62.6


@pytest.mark.parametrize(("x", "n"), [(1, 10), (13, 30), (7, 34), (30, 31)])
def test_clopper_pearson_limits_solve_the_binomial_tail_equations(x: int, n: int) -> None:
    # Clopper & Pearson, Biometrika 1934;26:404: the limits are where each binomial tail holds
    # alpha/2: P(X >= x | p_L) = 0.025 and P(X <= x | p_U) = 0.025 (to 1e-9, root precision).
    e = clopper_pearson(x, n)
    assert stats.binom.sf(x - 1, n, e.lower) == pytest.approx(0.025, abs=1e-9)
    assert stats.binom.cdf(x, n, e.upper) == pytest.approx(0.025, abs=1e-9)


def test_clopper_pearson_edges_zero_and_all() -> None:
    # x = 0: lower 0, upper 1 - (alpha/2)^(1/n) (the closed form of the tail equation)
    e = clopper_pearson(0, 10)
    assert e.lower == 0.0
    assert e.upper == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)
    assert clopper_pearson(10, 10).upper == 1.0


def test_exact_binomial_p_value_is_the_upper_tail() -> None:
    # P(X >= 5 | n = 29, p = 0.1) summed term by term from the binomial pmf
    expected = sum(stats.binom.pmf(k, 29, 0.1) for k in range(5, 30))
    assert exact_binomial_p_value(5, 29, 0.1) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("p0", "p1", "alpha", "beta", "optimal", "minimax"),
    [
        # Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
        # 1989;10:1-10, Tables 1 and 2 (r1/n1, r/n).
        (0.05, 0.25, 0.10, 0.10, (0, 9, 2, 24), (0, 13, 2, 20)),
        (0.10, 0.30, 0.05, 0.20, (1, 10, 5, 29), (1, 15, 5, 25)),
        (0.20, 0.40, 0.05, 0.20, (3, 13, 12, 43), (4, 18, 10, 33)),
    ],
)
def test_simon_designs_match_simon_1989(p0: float, p1: float, alpha: float, beta: float,
                                        optimal: tuple[int, ...], minimax: tuple[int, ...]
                                        ) -> None:
    for kind, expected in (("optimal", optimal), ("minimax", minimax)):
        d = simon_design(p0, p1, alpha=alpha, beta=beta, kind=kind, max_n=50)
        assert (d.r1, d.n1, d.r, d.n) == expected


def test_simon_decision_stops_continues_and_rejects() -> None:
    design = SimonDesign(r1=1, n1=10, r=5, n=29)
    assert "futility" in simon_decision(design, [True] + [False] * 9).decision
    assert "continue" in simon_decision(design, [True, True] + [False] * 10).decision
    assert "reject H0" in simon_decision(design, [True] * 6 + [False] * 23).decision
    assert "do not reject" in simon_decision(design, [True] * 5 + [False] * 24).decision
    assert "pending" in simon_decision(design, [True] * 3).decision


def test_simon_design_record_refuses_inconsistent_numbers() -> None:
    with pytest.raises(InvalidValueError, match="simon_design"):
        validate_record(SimonDesign, {"r1": 5, "n1": 4, "r": 6, "n": 20})
