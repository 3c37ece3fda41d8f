"""EORTC QLQ-C30 scoring (Scoring Manual, 3rd ed., 2001), the summary score (Giesinger et al.,
J Clin Epidemiol 2016;69:79), a site-supplied module, and change from baseline (Osoba et al., J Clin
Oncol 1998;16:139)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hepar.clinical import ChangeClass, QolScores, qol_change, score_answers
from hepar.errors import InvalidValueError
from hepar.io import load_questionnaire

C30 = load_questionnaire("qlq-c30")

# Scoring manual: items of each scale
SCALES = {
    "QL2": [29, 30], "PF2": [1, 2, 3, 4, 5], "RF2": [6, 7], "EF": [21, 22, 23, 24],
    "CF": [20, 25], "SF": [26, 27], "FA": [10, 12, 18], "NV": [14, 15], "PA": [9, 19],
    "DY": [8], "SL": [11], "AP": [13], "CO": [16], "DI": [17], "FI": [28],
}


def test_the_shipped_definition_holds_the_15_scales_of_the_manual() -> None:
    assert {s.code: s.items for s in C30.scales} == SCALES
    assert C30.item_range(28) == (1, 4) and C30.item_range(29) == (1, 7)


def test_functional_scale_formula() -> None:
    # manual: S = (1 - (RS - 1) / range) x 100; PF2 answers 1, 2, 2, 1, 1 -> RS 1.4
    scores = score_answers({"1": 1, "2": 2, "3": 2, "4": 1, "5": 1}, C30).scores
    assert scores["PF2"] == pytest.approx((1 - 0.4 / 3) * 100)


def test_symptom_scale_formula() -> None:
    # manual: S = (RS - 1) / range x 100; FA answers 2, 3, 2 -> RS 7/3
    scores = score_answers({"10": 2, "12": 3, "18": 2}, C30).scores
    assert scores["FA"] == pytest.approx((7 / 3 - 1) / 3 * 100)


def test_global_health_status_uses_the_seven_point_range() -> None:
    # QL2 items 29-30 answered 1-7, range 6: answers 5 and 6 -> (5.5 - 1) / 6 x 100 = 75
    assert score_answers({"29": 5, "30": 6}, C30).scores["QL2"] == pytest.approx(75.0)


def test_extremes() -> None:
    best = score_answers({str(i): 1 for i in range(1, 29)} | {"29": 7, "30": 7}, C30)
    worst = score_answers({str(i): 4 for i in range(1, 29)} | {"29": 1, "30": 1}, C30)
    for code in SCALES:
        functional = code in {"PF2", "RF2", "EF", "CF", "SF", "QL2"}
        assert best.scores[code] == (100.0 if functional else 0.0), code
        assert worst.scores[code] == (0.0 if functional else 100.0), code


@pytest.mark.parametrize(
    ("code", "answered", "scored"),
    [
        ("PF2", [1, 2, 3], True),  # 3 of 5: at least half
        ("PF2", [1, 2], False),
        ("RF2", [6], True),  # 1 of 2 is half
        ("FA", [10, 12], True),  # 2 of 3
        ("FA", [18], False),
        ("DY", [], False),
    ],
)
def test_half_items_rule(code: str, answered: list[int], scored: bool) -> None:
    # manual: a scale is scored when at least half of its items are answered; RS = mean of those
    result = score_answers({str(i): 2 for i in answered}, C30).scores[code]
    assert (result is not None) is scored
    if scored:
        expected = 2.0
        functional = code in {"PF2", "RF2"}
        assert result == pytest.approx(
            (1 - (expected - 1) / 3) * 100 if functional else (expected - 1) / 3 * 100
        )


def test_null_answers_count_as_missing() -> None:
    assert score_answers({"8": None}, C30).scores["DY"] is None


def _full_answers() -> dict[str, int]:
    answers = {str(i): 1 + (i * 7) % 4 for i in range(1, 29)}
    answers.update({"29": 5, "30": 4})
    return answers


def test_summary_score_giesinger_2016() -> None:
    # mean of PF2, RF2, EF, CF, SF and 100 - (FA, NV, PA, DY, SL, AP, CO, DI); QL2 and FI excluded
    answers = _full_answers()

    def mean(items: list[int]) -> float:
        return sum(answers[str(i)] for i in items) / len(items)

    functional = [(1 - (mean(SCALES[c]) - 1) / 3) * 100 for c in ("PF2", "RF2", "EF", "CF", "SF")]
    symptom_codes = ("FA", "NV", "PA", "DY", "SL", "AP", "CO", "DI")
    symptoms = [(mean(SCALES[c]) - 1) / 3 * 100 for c in symptom_codes]
    expected = (sum(functional) + sum(100 - s for s in symptoms)) / 13
    assert score_answers(answers, C30).summary == pytest.approx(expected)


def test_summary_score_ignores_ql2_and_fi_but_needs_the_13_scales() -> None:
    answers = _full_answers()
    for item in ("28", "29", "30"):
        del answers[item]
    assert score_answers(answers, C30).summary is not None
    del answers["8"]  # dyspnoea
    assert score_answers(answers, C30).summary is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"3": 5}, r"item 3 = 5: expected an answer 1-4"),
        ({"29": 8}, r"item 29 = 8: expected an answer 1-7"),
        ({"1": 0}, r"item 1 = 0: expected an answer 1-4"),
        ({"1": -2}, r"item 1 = -2"),
        ({"1": 2.5}, r"item 1 = 2.5: expected a whole number 1-4"),
        ({"1": "two"}, r"item 1 = 'two'"),
        ({"31": 2}, r"item 31 = 2: expected an item of the questionnaire\(s\) \(QLQ-C30 1-30\)"),
        ({"first": 2}, r"item = 'first': expected an item number"),
    ],
)
def test_bad_answers_are_named(answers: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        score_answers(answers, C30)


MADE_UP_MODULE = """
instrument: MADE-UP-21
version: test
source: a made-up map to test the engine (not the licensed QLQ-GI.NET21 map)
items:
  - {first: 31, last: 51, min: 1, max: 4}
scales:
  - {code: XA, type: symptom, items: [31, 32, 33]}
  - {code: XB, type: symptom, items: [34, 35, 36, 37, 38]}
  - {code: XF, type: functional, items: [39, 40]}
  - {code: X1, type: symptom, items: [51]}
"""


def test_a_site_module_is_scored_by_the_same_engine(tmp_path: Path) -> None:
    path = tmp_path / "module.yaml"
    path.write_text(MADE_UP_MODULE, encoding="utf-8")
    module = load_questionnaire(path)
    answers = {"29": 4, "30": 4, "31": 2, "32": 2, "33": 3, "34": 4, "39": 1, "40": 2, "51": 4}
    scores = score_answers(answers, [C30, module]).scores
    assert scores["XA"] == pytest.approx((7 / 3 - 1) / 3 * 100)
    assert scores["XB"] is None  # 1 of 5 items
    assert scores["XF"] == pytest.approx((1 - 0.5 / 3) * 100)
    assert scores["X1"] == pytest.approx(100.0)
    assert scores["QL2"] == pytest.approx(50.0)


def test_no_licensed_module_ships_with_hepar() -> None:
    with pytest.raises(InvalidValueError, match=r"qlq-gi\.net21"):
        load_questionnaire("qlq-gi.net21")


def test_a_module_with_an_undefined_item_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MADE_UP_MODULE.replace("[51]", "[52]"), encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"bad\.yaml: scales\[3\]\.items = 52"):
        load_questionnaire(path)


@pytest.mark.parametrize(
    ("code", "before", "after", "expected"),
    [
        ("PF2", 60.0, 70.0, ChangeClass.IMPROVED),  # functional up 10 points
        ("PF2", 60.0, 69.9, ChangeClass.STABLE),
        ("PF2", 60.0, 50.0, ChangeClass.DETERIORATED),
        ("FA", 30.0, 40.0, ChangeClass.DETERIORATED),  # symptom up 10 points
        ("FA", 40.0, 30.0, ChangeClass.IMPROVED),
        ("QL2", 50.0, 66.7, ChangeClass.IMPROVED),
    ],
)
def test_ten_point_change_classification(
    code: str, before: float, after: float, expected: ChangeClass
) -> None:
    changes = qol_change(
        QolScores(scores={code: before}), QolScores(scores={code: after}), C30
    )
    found = next(c for c in changes if c.code == code)
    assert found.classification is expected
    assert found.change == pytest.approx(after - before)


def test_change_of_unscored_scales_is_unclassified() -> None:
    changes = qol_change(QolScores(scores={"FA": None}, summary=70.0),
                         QolScores(scores={"FA": 40.0}, summary=81.0), C30)
    by_code = {c.code: c for c in changes}
    assert by_code["FA"].classification is None
    assert by_code["summary"].classification is ChangeClass.IMPROVED


def _answer(item: int) -> st.SearchStrategy[int | None]:
    """An answer on the item's own scale (Scoring Manual, 3rd ed.: items 1-28 from 1 to 4, the
    global health items 29-30 from 1 to 7, all seven values possible), or missing."""
    return st.one_of(st.none(), st.integers(1, 7 if item >= 29 else 4))


answer_sets = st.fixed_dictionaries(
    {}, optional={str(item): _answer(item) for item in range(1, 31)}
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7))
def test_global_health_is_linear_over_the_whole_seven_point_scale(q29: int, q30: int) -> None:
    """QL2 = (mean(q29, q30) - 1) / 6 x 100 (EORTC QLQ-C30 Scoring Manual, 3rd ed.,
    2001: RS = mean of the items, range 6, S = (RS - 1) / range x 100), for every
    answer 1-7, including the low answers 1-3 that the former generator never drew."""
    expected = ((q29 + q30) / 2 - 1) / 6 * 100
    assert score_answers({"29": q29, "30": q30}, C30).scores["QL2"] == pytest.approx(expected)


@settings(max_examples=150, deadline=None)
@given(answer_sets)
def test_missing_items_never_raise_and_scores_stay_in_0_100(answers: dict[str, Any]) -> None:
    result = score_answers(answers, C30)
    for code, items in SCALES.items():
        answered = sum(1 for i in items if answers.get(str(i)) is not None)
        score = result.scores[code]
        assert (score is None) == (2 * answered < len(items))
        assert score is None or 0.0 <= score <= 100.0
    assert result.summary is None or 0.0 <= result.summary <= 100.0
