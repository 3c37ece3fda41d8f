"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228): each rule with a case of the paper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hepar.clinical import (
    RecistAssessment,
    RecistReads,
    Response,
    assess_recist,
    measurability,
    overall_response,
    validate_record,
)
from hepar.errors import InvalidValueError

Reads = Callable[..., dict[str, Any]]


def assess(data: dict[str, Any]) -> RecistAssessment:
    return assess_recist(validate_record(RecistReads, data))


def overall(result: RecistAssessment) -> list[Response | None]:
    return [tp.overall for tp in result.timepoints[1:]]


# ----------------------------------------------------------------------------- measurability


@pytest.mark.parametrize(
    ("size", "nodal", "slice_mm", "method", "measurable"),
    [
        (10.0, False, None, "CT", True),  # section 3.1.1: >= 10 mm by CT (slice <= 5 mm)
        (9.9, False, None, "CT", False),
        (14.0, False, 8.0, "CT", False),  # slices > 5 mm: >= 2 x slice thickness
        (16.0, False, 8.0, "CT", True),
        (19.0, False, None, "chest x-ray", False),  # chest X-ray: >= 20 mm
        (15.0, True, None, "CT", True),  # nodes: short axis >= 15 mm
        (14.9, True, None, "CT", False),  # 10-15 mm: pathological, non-measurable
    ],
)
def test_measurability_eisenhauer_section_3_1(
    size: float, nodal: bool, slice_mm: float | None, method: str, measurable: bool
) -> None:
    result = measurability(size, nodal=nodal, slice_thickness_mm=slice_mm, method=method)
    assert result.measurable is measurable


def test_small_node_is_normal() -> None:
    assert "normal node" in measurability(8.0, nodal=True).reason


# ----------------------------------------------------------------------------- target response


@pytest.mark.parametrize(
    ("follow_up_mm", "expected"),
    [
        (70.0, Response.PR),  # -30 % from baseline 100: PR (section 4.3.1)
        (70.1, Response.SD),
        (100.0, Response.SD),
        (120.0, Response.PD),  # +20 % and +20 mm from the nadir (baseline)
        (119.9, Response.SD),
    ],
)
def test_target_thresholds(make_reads: Reads, follow_up_mm: float, expected: Response) -> None:
    result = assess(make_reads([{"T1": 60.0, "T2": 40.0}, {"T1": follow_up_mm * 0.6,
                                                           "T2": follow_up_mm * 0.4}]))
    assert result.timepoints[1].target is expected
    assert result.timepoints[1].sum_mm == pytest.approx(follow_up_mm)


def test_progression_needs_5_mm_absolute_increase(make_reads: Reads) -> None:
    # section 4.3.1: +20 % of a 20 mm nadir is only 4 mm: not PD; +5 mm is
    result = assess(make_reads([{"T1": 20.0}, {"T1": 24.0}, {"T1": 25.0}]))
    assert [tp.target for tp in result.timepoints[1:]] == [Response.SD, Response.PD]


def test_progression_is_measured_from_the_nadir(make_reads: Reads) -> None:
    # PR at 60 mm (nadir), then 72 mm: -28 % from baseline but +20 % (+12 mm) from the nadir: PD
    result = assess(make_reads([{"T1": 100.0}, {"T1": 60.0}, {"T1": 72.0}]))
    assert [tp.target for tp in result.timepoints[1:]] == [Response.PR, Response.PD]
    assert result.timepoints[2].change_from_baseline_pct == pytest.approx(-28.0)
    assert result.timepoints[2].change_from_nadir_pct == pytest.approx(20.0)
    assert str(result.date_of_progression) == "2025-05-10"


def test_too_small_counts_5_mm_and_gone_0_mm(make_reads: Reads) -> None:
    # Appendix II: too small to measure = 5 mm; disappeared = 0 mm; not CR while one remains
    result = assess(make_reads([{"T1": 20.0, "T2": 30.0}, {"T1": "too small", "T2": "gone"}]))
    assert result.timepoints[1].sum_mm == 5.0
    assert result.timepoints[1].target is Response.PR


def test_complete_response_with_nodes_below_10_mm(make_reads: Reads) -> None:
    # section 4.3.1: CR = non-nodal targets gone and every nodal target < 10 mm short axis; the
    # sum keeps the nodes' actual size
    data = make_reads(
        [{"T1": 15.0, "N1": 20.0}, {"T1": "gone", "N1": 8.0}, {"T1": "gone", "N1": 10.0}],
        targets={"T1": {}, "N1": {"nodal": True, "organ": "lymph node"}},
    )
    result = assess(data)
    assert result.timepoints[1].target is Response.CR
    assert result.timepoints[1].sum_mm == 8.0
    # node back to 10 mm: no longer CR, and after a true CR disease seen again is PD (Table 3,
    # footnote a), not the PR that the sums alone would give
    assert result.timepoints[2].target is Response.PD


def test_unassessed_target_gives_ne(make_reads: Reads) -> None:
    result = assess(make_reads([{"T1": 30.0, "T2": 30.0}, {"T1": 20.0}]))
    tp = result.timepoints[1]
    assert (tp.target, tp.overall, tp.sum_mm) == (Response.NE, Response.NE, None)


def test_unassessed_target_with_proven_progression_is_pd(make_reads: Reads) -> None:
    # section 4.3.1: the measured lesions alone already exceed +20 % and +5 mm of the nadir
    result = assess(make_reads([{"T1": 30.0, "T2": 30.0}, {"T1": 75.0}]))
    assert result.timepoints[1].target is Response.PD


# ----------------------------------------------------------------------------- Table 1 and Table 2


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [
        (Response.CR, Response.CR, False, Response.CR),
        (Response.CR, Response.NON_CR_NON_PD, False, Response.PR),
        (Response.CR, Response.NE, False, Response.PR),
        (Response.PR, Response.NON_CR_NON_PD, False, Response.PR),
        (Response.PR, Response.NE, False, Response.PR),
        (Response.SD, Response.NON_CR_NON_PD, False, Response.SD),
        (Response.SD, Response.NE, False, Response.SD),
        (Response.NE, Response.NON_CR_NON_PD, False, Response.NE),
        (Response.PD, Response.CR, False, Response.PD),
        (Response.SD, Response.PD, False, Response.PD),
        (Response.CR, Response.CR, True, Response.PD),
        (Response.CR, None, False, Response.CR),  # no non-target lesions
        (Response.CR, Response.CR, "equivocal", Response.CR),  # equivocal: not PD (4.3.3)
    ],
)
def test_overall_response_table_1(
    target: Response, non_target: Response | None, new: Any, expected: Response
) -> None:
    assert overall_response(target, non_target, new)[0] is expected


@pytest.mark.parametrize(
    ("non_target", "new", "expected"),
    [
        (Response.CR, False, Response.CR),
        (Response.NON_CR_NON_PD, False, Response.NON_CR_NON_PD),
        (Response.NE, False, Response.NE),
        (Response.PD, False, Response.PD),
        (Response.NON_CR_NON_PD, True, Response.PD),
    ],
)
def test_overall_response_table_2_non_target_disease_only(
    non_target: Response, new: bool, expected: Response
) -> None:
    assert overall_response(None, non_target, new)[0] is expected


def test_non_target_states(make_reads: Reads) -> None:
    # section 4.3.2; targets stay gone, so the overall response follows the non-targets (Table 1)
    data = make_reads(
        [{"T1": 40.0}, {"T1": "gone"}, {"T1": "gone"}, {"T1": "gone"}, {"T1": "gone"}],
        non_targets={"N1": {}, "N2": {}},
        non_target_states=[
            {"N1": "present", "N2": "present"},
            {"N1": "absent", "N2": "present"},
            {"N1": "absent"},  # N2 not assessed
            {"N1": "absent", "N2": "absent"},
            {"N1": "unequivocal progression", "N2": "absent"},
        ],
    )
    result = assess(data)
    assert [tp.non_target for tp in result.timepoints[1:]] == [
        Response.NON_CR_NON_PD, Response.NE, Response.CR, Response.PD
    ]
    assert overall(result) == [Response.PR, Response.PR, Response.CR, Response.PD]


# ------------------------------------------------------------- disease reappearing after a CR
# Eisenhauer 2009, Table 3, footnote a: "If a CR is truly met at first time point, then any
# disease seen at a subsequent time point, even disease meeting PR criteria relative to baseline,
# makes the disease PD at that point (since disease must have reappeared after CR)."

FOOTNOTE_A = "Table 3, footnote a"


@pytest.mark.parametrize("reappeared", [3.0, 4.9, "too small", 0.5])
def test_a_target_reappearing_after_a_cr_is_progression(
    make_reads: Reads, reappeared: Any
) -> None:
    # 3 mm after a sum of 0 is +3 mm from the nadir: not PD by the sum rule (section 4.3.1), and
    # far below -30 % of baseline (PR by the sums alone); after a true CR it is PD
    data = make_reads(
        [{"T1": 40.0, "T2": 20.0}, {"T1": "gone", "T2": "gone"},
         {"T1": reappeared, "T2": "gone"}]
    )
    result = assess(data)
    assert overall(result) == [Response.CR, Response.PD]
    tp = result.timepoints[2]
    assert tp.target is Response.PD
    assert "T1 reappeared after the CR of 2025-03-10" in tp.reason
    assert FOOTNOTE_A in tp.reason
    assert str(result.date_of_progression) == "2025-05-10"
    assert FOOTNOTE_A in (result.progression_reason or "")
    assert result.best_overall_response is Response.CR  # no confirmation required
    assert result.duration_of_response_days == 61


def test_a_target_reappearing_after_only_a_pr_is_added_to_the_sum(make_reads: Reads) -> None:
    # no CR before: the reappearing lesion only counts in the sum (section 4.3.1)
    data = make_reads(
        [{"T1": 40.0, "T2": 20.0}, {"T1": 30.0, "T2": "gone"}, {"T1": 28.0, "T2": 3.0}]
    )
    assert overall(assess(data)) == [Response.PR, Response.PR]


def test_a_node_reappears_after_a_cr_at_10_mm_short_axis(make_reads: Reads) -> None:
    # section 4.3.1: a node < 10 mm short axis is normal (CR allowed); back to >= 10 mm after a
    # true CR it has reappeared: PD, although +2 mm from the nadir (8 mm) is not PD by the sum
    nodes = {"T1": {}, "N1": {"nodal": True, "organ": "lymph node"}}
    normal = make_reads(
        [{"T1": 15.0, "N1": 20.0}, {"T1": "gone", "N1": 8.0}, {"T1": "gone", "N1": 9.9}],
        targets=nodes,
    )
    assert overall(assess(normal)) == [Response.CR, Response.CR]
    back = make_reads(
        [{"T1": 15.0, "N1": 20.0}, {"T1": "gone", "N1": 8.0}, {"T1": "gone", "N1": 10.0}],
        targets=nodes,
    )
    result = assess(back)
    assert overall(result) == [Response.CR, Response.PD]
    assert "N1 reappeared" in result.timepoints[2].reason


def test_a_non_target_present_again_after_a_cr_is_progression(make_reads: Reads) -> None:
    data = make_reads(
        [{"T1": 40.0}, {"T1": "gone"}, {"T1": "gone"}],
        non_targets={"N1": {}},
        non_target_states=[{"N1": "present"}, {"N1": "absent"}, {"N1": "present"}],
    )
    result = assess(data)
    assert overall(result) == [Response.CR, Response.PD]
    tp = result.timepoints[2]
    assert tp.non_target is Response.PD
    assert "N1 reappeared after the CR of 2025-03-10" in tp.reason and FOOTNOTE_A in tp.reason


def test_non_target_disease_only_reappearing_after_a_cr(make_reads: Reads) -> None:
    # Table 2 (no target lesions): CR, then a non-target present again: PD
    data = {
        "lesions": [{"id": "N1", "role": "non-target", "organ": "bone"}],
        "timepoints": [
            {"date": "2025-01-10", "non_target": {"N1": "present"}},
            {"date": "2025-03-10", "non_target": {"N1": "absent"}},
            {"date": "2025-05-10", "non_target": {"N1": "present"}},
        ],
    }
    assert overall(assess(data)) == [Response.CR, Response.PD]


def test_reappearance_is_judged_after_a_cr_even_across_a_not_evaluable_scan(
    make_reads: Reads,
) -> None:
    data = make_reads([{"T1": 40.0, "T2": 20.0}, {"T1": "gone", "T2": "gone"}, {"T1": "gone"},
                       {"T1": "gone", "T2": 2.0}])
    assert overall(assess(data)) == [Response.CR, Response.NE, Response.PD]


def test_non_target_only_disease_uses_table_2(make_reads: Reads) -> None:
    data = {
        "lesions": [{"id": "N1", "role": "non-target", "organ": "bone"}],
        "timepoints": [
            {"date": "2025-01-10", "non_target": {"N1": "present"}},
            {"date": "2025-03-10", "non_target": {"N1": "present"}},
        ],
    }
    result = assess(data)
    assert result.timepoints[1].target is None and result.timepoints[1].sum_mm is None
    assert result.timepoints[1].overall is Response.NON_CR_NON_PD
    assert result.best_overall_response is Response.NON_CR_NON_PD


def test_equivocal_new_lesion_confirmed_later_dates_progression_back(make_reads: Reads) -> None:
    # section 4.3.3: progression is declared at the date of the first (equivocal) scan
    sizes = [{"T1": 40.0}, {"T1": 38.0}, {"T1": 37.0}]
    result = assess(make_reads(sizes, new_lesions=[False, "equivocal", True]))
    assert overall(result) == [Response.SD, Response.PD]
    assert str(result.date_of_progression) == "2025-03-10"
    assert "equivocal" in (result.progression_reason or "")


# ----------------------------------------------------------------------------- best response


def bor(points: list[tuple[str, str]], **settings: Any) -> tuple[Response, str]:
    from datetime import date

    from hepar.clinical import best_overall_response

    best = best_overall_response(
        [(date.fromisoformat(d), Response(r)) for d, r in points],
        reference_date=date(2025, 1, 10),
        **settings,
    )
    return best.response, best.reason


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # Eisenhauer 2009, Table 3 (confirmation required); both assessments after the SD minimum
        ("CR", "CR", "CR"),
        ("CR", "PR", "SD"),  # footnote a: a PR after a true CR is reappearing disease
        ("CR", "SD", "SD"),
        ("CR", "PD", "SD"),
        ("CR", "NE", "SD"),
        ("PR", "CR", "PR"),
        ("PR", "PR", "PR"),
        ("PR", "SD", "SD"),
        ("PR", "PD", "SD"),
        ("PR", "NE", "SD"),
        ("NE", "NE", "NE"),
    ],
)
def test_best_response_with_confirmation_table_3(first: str, second: str, expected: str) -> None:
    response, _ = bor([("2025-03-10", first), ("2025-04-10", second)], confirmation=True)
    assert response is Response(expected)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("CR", "PD", "PD"), ("PR", "PD", "PD"), ("CR", "NE", "NE"), ("PR", "NE", "NE")],
)
def test_table_3_when_the_sd_minimum_is_not_met(first: str, second: str, expected: str) -> None:
    # Table 3: "SD provided minimum criteria for SD duration met, otherwise PD / NE"
    response, _ = bor(
        [("2025-02-01", first), ("2025-03-01", second)], confirmation=True, min_sd_days=60
    )
    assert response is Response(expected)


def test_a_pr_after_a_cr_can_still_be_confirmed_by_a_later_pr() -> None:
    # Table 3: CR then PR is "SD, PD or PR" (footnote a: the PR does not confirm the CR), but a PR
    # confirmed by a PR >= 4 weeks later is a confirmed PR (section 4.6); before, the search for a
    # confirmed PR stopped at the first CR-PR pair and gave SD
    assert bor([("2025-03-10", "CR"), ("2025-04-10", "PR")], confirmation=True)[0] is Response.SD
    response, reason = bor(
        [("2025-03-10", "CR"), ("2025-04-10", "PR"), ("2025-05-10", "PR")], confirmation=True
    )
    assert response is Response.PR
    assert "PR on 2025-04-10 confirmed by PR on 2025-05-10" in reason


def test_confirmation_needs_four_weeks() -> None:
    # section 4.6: confirmation no less than 4 weeks after the criteria were first met
    too_soon = bor([("2025-03-10", "PR"), ("2025-04-01", "PR")], confirmation=True)
    assert too_soon[0] is Response.SD
    in_time = bor([("2025-03-10", "PR"), ("2025-04-07", "PR")], confirmation=True)
    assert in_time[0] is Response.PR


def test_without_confirmation_a_single_response_counts() -> None:
    assert bor([("2025-03-10", "PR"), ("2025-04-10", "PD")])[0] is Response.PR
    assert bor([("2025-03-10", "SD"), ("2025-04-10", "CR")])[0] is Response.CR


def test_stable_disease_needs_the_minimum_interval() -> None:
    # section 4.4: SD too early, then PD -> PD; SD too early and lost to follow-up -> NE
    assert bor([("2025-02-01", "SD"), ("2025-03-10", "PD")], min_sd_days=42)[0] is Response.PD
    assert bor([("2025-02-01", "SD")], min_sd_days=42)[0] is Response.NE
    assert bor([("2025-02-21", "SD")], min_sd_days=42)[0] is Response.SD  # 42 days


def test_assessments_after_progression_are_ignored() -> None:
    assert bor([("2025-03-10", "PD"), ("2025-05-10", "CR")])[0] is Response.PD


def test_not_evaluable_can_count_as_progression() -> None:
    # HEPAR II counted not-evaluable patients as progressive (REFERENCE.md)
    response, reason = bor([("2025-03-10", "NE")], not_evaluable_as_progression=True)
    assert response is Response.PD
    assert "HEPAR II" in reason


def test_duration_of_response(make_reads: Reads) -> None:
    result = assess(make_reads([{"T1": 50.0}, {"T1": 30.0}, {"T1": 28.0}, {"T1": 40.0}]))
    assert result.best_overall_response is Response.PR
    assert str(result.date_of_progression) == "2025-07-10"
    assert result.duration_of_response_days == 122  # 2025-03-10 to 2025-07-10
    assert result.duration_of_response_censored is False


def test_duration_of_response_censored_without_progression(make_reads: Reads) -> None:
    result = assess(make_reads([{"T1": 50.0}, {"T1": 30.0}, {"T1": 28.0}]))
    assert result.date_of_progression is None
    assert (result.duration_of_response_days, result.duration_of_response_censored) == (61, True)


# ----------------------------------------------------------------------------- treated volume


def test_restriction_to_the_treated_liver_volume(make_reads: Reads) -> None:
    # HEPAR PLUS primary endpoint (Braat et al., Lancet Oncol 2020): response in the treated volume
    data = make_reads(
        [{"T1": 40.0, "T2": 30.0}, {"T1": 20.0, "T2": 70.0}],
        targets={"T1": {"in_treated_volume": True}, "T2": {"in_treated_volume": False}},
    )
    assert assess(data).timepoints[1].overall is Response.PD
    data["settings"] = {"treated_volume_only": True}
    restricted = assess(data)
    assert restricted.lesions_assessed == ["T1"]
    assert restricted.timepoints[1].overall is Response.PR
    assert restricted.timepoints[0].sum_mm == 40.0


def test_new_lesions_outside_the_treated_volume(make_reads: Reads) -> None:
    data = make_reads(
        [{"T1": 40.0}, {"T1": 20.0}], targets={"T1": {"in_treated_volume": True}},
        settings={"treated_volume_only": True},
    )
    data["timepoints"][1]["new_lesions"] = True
    assert assess(data).timepoints[1].overall is Response.PD  # conservative without detail
    data["timepoints"][1]["new_lesions_in_treated_volume"] = False
    assert assess(data).timepoints[1].overall is Response.PR


def test_treated_volume_restriction_needs_the_flag(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}], settings={"treated_volume_only": True})
    with pytest.raises(InvalidValueError, match=r"lesions\[0\]\.in_treated_volume = None"):
        assess(data)


# ----------------------------------------------------------------------------- bad input


def test_duplicate_lesion_id(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}])
    data["lesions"].append({"id": "T1", "role": "non-target", "organ": "bone"})
    with pytest.raises(InvalidValueError, match=r"lesions\[1\]\.id = 'T1': expected a unique"):
        assess(data)


def test_dates_out_of_order(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}], dates=["2025-03-10", "2025-01-10"])
    with pytest.raises(InvalidValueError, match=r"timepoints\[1\]\.date = '2025-01-10'"):
        assess(data)


def test_measurement_of_an_unknown_lesion(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}])
    data["timepoints"][1]["measurements_mm"]["T9"] = 10.0
    with pytest.raises(InvalidValueError, match=r"measurements_mm = 'T9'.*target lesions \(T1\)"):
        assess(data)


def test_baseline_must_measure_every_target(make_reads: Reads) -> None:
    data = make_reads([{"T1": "too small"}, {"T1": 20.0}])
    with pytest.raises(InvalidValueError, match=r"timepoints\[0\]\.measurements_mm\.T1"):
        assess(data)


def test_non_measurable_target_is_rejected(make_reads: Reads) -> None:
    data = make_reads([{"T1": 9.0}, {"T1": 8.0}])
    with pytest.raises(InvalidValueError, match="record it as non-target"):
        assess(data)


def test_at_most_two_targets_per_organ(make_reads: Reads) -> None:
    # section 3.3: at most 5 targets, at most 2 per organ
    data = make_reads([{"T1": 40.0, "T2": 30.0, "T3": 20.0}, {"T1": 40.0, "T2": 30.0, "T3": 20.0}])
    with pytest.raises(InvalidValueError, match="3 target lesions in liver"):
        assess(data)
    data["settings"] = {"max_targets_per_organ": 3}
    assert assess(data).timepoints[1].target is Response.SD


def test_negative_measurement(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": -2.0}])
    with pytest.raises(InvalidValueError, match=r"^timepoints\[1\]\.measurements_mm\.T1 = -2\.0"):
        assess(data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("measurements_mm", {"T1": "big"}, r"^timepoints\[1\]\.measurements_mm\.T1 = 'big': "
         r"expected a diameter >= 0 mm, \"too small\" or \"gone\"$"),
        ("new_lesions", "perhaps", r"^timepoints\[1\]\.new_lesions = 'perhaps': "
         r"expected true, false or \"equivocal\"$"),
    ],
)
def test_bad_time_point_values_give_one_clear_message(
    make_reads: Reads, field: str, value: Any, message: str
) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}])
    data["timepoints"][1][field] = value
    with pytest.raises(InvalidValueError, match=message):
        assess(data)


NON_TARGET_MAP = (
    r"expected a map of non-target lesion id to state, e\.g\. \{\"N1\": \"present\"\}; states: "
    r"'present', 'absent', 'unequivocal progression', 'not assessed'; a lymph node may be given "
    r"by its short axis in mm instead, e\.g\. \{\"N2\": 8\.0\}$"
)
MEASUREMENT_MAP = (
    r"expected a map of target lesion id to a diameter in mm, \"too small\" or \"gone\", "
    r"e\.g\. \{\"T1\": 32\.0\}; a target left out was not assessed$"
)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # the README contract: non_target is a map lesion id -> state, not one state for all
        ("non_target", "present", r"^timepoints\[1\]\.non_target = 'present': " + NON_TARGET_MAP),
        ("non_target", ["N1"], r"^timepoints\[1\]\.non_target = \['N1'\]: " + NON_TARGET_MAP),
        ("non_target", None, r"^timepoints\[1\]\.non_target = None: " + NON_TARGET_MAP),
        ("measurements_mm", 20.0, r"^timepoints\[1\]\.measurements_mm = 20\.0: " + MEASUREMENT_MAP),
        ("measurements_mm", "gone",
         r"^timepoints\[1\]\.measurements_mm = 'gone': " + MEASUREMENT_MAP),
        ("measurements_mm", {"T1": None},
         r"^timepoints\[1\]\.measurements_mm\.T1 = None: expected a diameter >= 0 mm, "
         r"\"too small\" or \"gone\" \(leave the lesion out when it was not assessed\)$"),
    ],
)
def test_a_time_point_field_of_the_wrong_shape_lists_what_is_accepted(
    make_reads: Reads, field: str, value: Any, message: str
) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}], non_targets={"N1": {}})
    data["timepoints"][1][field] = value
    with pytest.raises(InvalidValueError, match=message):
        assess(data)


def test_coded_measurements_accept_other_spellings(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0, "T2": 30.0}, {"T1": "Too Small", "T2": "disappeared"}])
    data["timepoints"][1]["new_lesions"] = "Equivocal"
    assert assess(data).timepoints[1].sum_mm == 5.0


def test_unknown_non_target_state(make_reads: Reads) -> None:
    data = make_reads([{"T1": 40.0}, {"T1": 20.0}], non_targets={"N1": {}})
    data["timepoints"][1]["non_target"]["N1"] = "smaller"
    with pytest.raises(InvalidValueError, match=r"non_target\.N1 = 'smaller'"):
        assess(data)


# ----------------------------------------------------------------------------- duration of response


def test_duration_of_response_starts_at_the_first_pr_before_a_cr(make_reads: Reads) -> None:
    # Eisenhauer 2009, section 4.7: the duration of overall response is measured from the time
    # measurement criteria are first met for CR or PR (whichever is first recorded) until the
    # first date that progressive disease is documented. PR 03-10, CR 05-10, PD 07-10: 122 days.
    # The duration of overall CR is measured from the first CR: 05-10 to 07-10, 61 days.
    data = make_reads(
        [{"T1": 40.0}, {"T1": 20.0}, {"T1": "gone"}, {"T1": "gone"}],
        new_lesions=[False, False, False, True],
    )
    result = assess(data)
    assert overall(result) == [Response.PR, Response.CR, Response.PD]
    assert result.best_overall_response is Response.CR
    assert str(result.date_of_progression) == "2025-07-10"
    assert result.duration_of_response_days == 122  # 2025-03-10 to 2025-07-10
    assert result.duration_of_complete_response_days == 61  # 2025-05-10 to 2025-07-10
    assert result.duration_of_response_censored is False


def test_duration_of_a_confirmed_response_starts_at_the_confirmed_pr(make_reads: Reads) -> None:
    # section 4.7 with confirmation (section 4.6): PR on 02-01 confirmed on 03-01, then CR on
    # 04-01 confirmed on 05-01, PD on 06-01. The response began on 02-01 (120 days), the CR on
    # 04-01 (61 days).
    data = make_reads(
        [{"T1": 40.0}, {"T1": 20.0}, {"T1": 18.0}, {"T1": "gone"}, {"T1": "gone"},
         {"T1": "gone"}],
        new_lesions=[False, False, False, False, False, True],
        dates=["2025-01-10", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01",
               "2025-06-01"],
        settings={"confirmation": True},
    )
    result = assess(data)
    assert overall(result) == [Response.PR, Response.PR, Response.CR, Response.CR, Response.PD]
    assert result.best_overall_response is Response.CR
    assert result.duration_of_response_days == 120  # 2025-02-01 to 2025-06-01
    assert result.duration_of_complete_response_days == 61  # 2025-04-01 to 2025-06-01


def test_duration_of_complete_response_is_none_without_a_cr(make_reads: Reads) -> None:
    result = assess(make_reads([{"T1": 50.0}, {"T1": 30.0}, {"T1": 28.0}, {"T1": 40.0}]))
    assert result.best_overall_response is Response.PR
    assert result.duration_of_complete_response_days is None


def test_an_unconfirmed_pr_does_not_start_the_confirmed_response(make_reads: Reads) -> None:
    # with confirmation, a PR followed by SD is not a response (Table 3: PR, SD -> SD); the
    # response that counts starts at the PR of 04-01, confirmed on 05-01
    data = make_reads(
        [{"T1": 40.0}, {"T1": 26.0}, {"T1": 30.0}, {"T1": 20.0}, {"T1": 20.0}],
        dates=["2025-01-10", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"],
        settings={"confirmation": True},
    )
    result = assess(data)
    assert overall(result) == [Response.PR, Response.SD, Response.PR, Response.PR]
    assert result.best_overall_response is Response.PR
    assert result.duration_of_response_days == 30  # 2025-04-01 to 2025-05-01, censored
    assert result.duration_of_response_censored is True
