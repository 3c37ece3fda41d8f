"""Invariants of the RECIST 1.1 engine, checked on generated reads (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hepar.clinical import RecistAssessment, RecistReads, Response, assess_recist, validate_record

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def reads_data(
    draw: st.DrawFn, *, allow_missing: bool = False, min_size: int = 25
) -> dict[str, Any]:
    """Non-nodal targets (one per organ), optional non-targets, 2-5 time points.

    Follow-up diameters are whole millimetres >= ``min_size`` or "gone" (optionally absent), so
    that no absolute threshold of RECIST (5 mm, 10 mm) is crossed by scaling alone.
    """
    n_targets = draw(st.integers(1, 4))
    n_non_targets = draw(st.integers(0, 2))
    n_points = draw(st.integers(2, 5))
    size = st.integers(min_size, 300).map(float)
    follow = st.one_of(size, st.just("gone"))
    if allow_missing:
        follow = st.one_of(follow, st.none())
    targets = [f"T{i}" for i in range(n_targets)]
    non_targets = [f"N{i}" for i in range(n_non_targets)]
    lesions = [{"id": t, "role": "target", "organ": f"organ {i}"} for i, t in enumerate(targets)]
    lesions += [{"id": n, "role": "non-target", "organ": "bone"} for n in non_targets]
    state = st.sampled_from(["present", "absent", "unequivocal progression", "not assessed"])
    points = []
    day = date(2025, 1, 10)
    for index in range(n_points):
        if index == 0:
            measured = {t: draw(size) for t in targets}
            states = dict.fromkeys(non_targets, "present")
            new: Any = False
        else:
            values = {t: draw(follow) for t in targets}
            measured = {t: v for t, v in values.items() if v is not None}
            states = {n: draw(state) for n in non_targets}
            new = draw(st.sampled_from([False, False, False, True, "equivocal"]))
        points.append(
            {"date": day.isoformat(), "measurements_mm": measured, "non_target": states,
             "new_lesions": new}
        )
        day += timedelta(days=draw(st.integers(20, 120)))
    confirmation = draw(st.booleans())
    return {"settings": {"confirmation": confirmation}, "lesions": lesions, "timepoints": points}


def assess(data: dict[str, Any]) -> RecistAssessment:
    return assess_recist(validate_record(RecistReads, data))


def scaled(data: dict[str, Any], factor: float) -> dict[str, Any]:
    points = [
        {**tp, "measurements_mm": {
            k: (v * factor if isinstance(v, float) else v) for k, v in tp["measurements_mm"].items()
        }}
        for tp in data["timepoints"]
    ]
    return {**data, "timepoints": points}


@PROPERTY_SETTINGS
@given(reads_data(), st.sampled_from([1.5, 2.0, 2.5, 3.0, 4.0]))
def test_scaling_all_diameters_leaves_the_responses_unchanged(
    data: dict[str, Any], factor: float
) -> None:
    before, after = assess(data), assess(scaled(data, factor))
    assert [tp.overall for tp in before.timepoints] == [tp.overall for tp in after.timepoints]
    assert [tp.target for tp in before.timepoints] == [tp.target for tp in after.timepoints]
    assert before.best_overall_response is after.best_overall_response
    assert before.date_of_progression == after.date_of_progression


@PROPERTY_SETTINGS
@given(reads_data(allow_missing=True, min_size=10))
def test_a_time_point_is_cr_only_when_all_disease_is_gone(data: dict[str, Any]) -> None:
    result = assess(data)
    for tp, read in zip(result.timepoints[1:], data["timepoints"][1:], strict=True):
        if tp.overall is Response.CR:
            targets = [les["id"] for les in data["lesions"] if les["role"] == "target"]
            assert all(read["measurements_mm"].get(t) == "gone" for t in targets)
            assert all(s == "absent" for s in read["non_target"].values())
            assert read["new_lesions"] is not True


@PROPERTY_SETTINGS
@given(reads_data(allow_missing=True, min_size=10))
def test_new_lesions_or_missing_targets_never_give_a_response(data: dict[str, Any]) -> None:
    result = assess(data)
    targets = [les["id"] for les in data["lesions"] if les["role"] == "target"]
    for tp, read in zip(result.timepoints[1:], data["timepoints"][1:], strict=True):
        if read["new_lesions"] is True:
            assert tp.overall is Response.PD
        if any(t not in read["measurements_mm"] for t in targets):
            assert tp.overall in (Response.PD, Response.NE)


@PROPERTY_SETTINGS
@given(reads_data(allow_missing=True, min_size=10), st.randoms(use_true_random=False))
def test_the_order_of_the_lesion_list_does_not_matter(data: dict[str, Any], rnd: Any) -> None:
    shuffled = {**data, "lesions": rnd.sample(data["lesions"], len(data["lesions"]))}
    first, second = assess(data), assess(shuffled)
    assert [tp.overall for tp in first.timepoints] == [tp.overall for tp in second.timepoints]
    assert first.best_overall_response is second.best_overall_response


@PROPERTY_SETTINGS
@given(reads_data(allow_missing=True, min_size=10))
def test_confirmation_never_improves_the_best_response(data: dict[str, Any]) -> None:
    confirmed = assess({**data, "settings": {"confirmation": True}}).best_overall_response
    unconfirmed = assess({**data, "settings": {"confirmation": False}}).best_overall_response
    if confirmed is Response.CR:
        assert unconfirmed is Response.CR
    if confirmed is Response.PR:
        assert unconfirmed in (Response.CR, Response.PR)


@st.composite
def reads_after_a_complete_response(draw: st.DrawFn) -> dict[str, Any]:
    """Non-nodal targets gone (and non-targets absent) at the first follow-up: an overall CR; at
    the next time point one target is seen again, at any size above 0 mm or "too small"."""
    n_targets = draw(st.integers(1, 4))
    n_non_targets = draw(st.integers(0, 2))
    targets = [f"T{i}" for i in range(n_targets)]
    non_targets = [f"N{i}" for i in range(n_non_targets)]
    lesions = [{"id": t, "role": "target", "organ": f"organ {i}"} for i, t in enumerate(targets)]
    lesions += [{"id": n, "role": "non-target", "organ": "bone"} for n in non_targets]
    back = draw(st.sampled_from(targets))
    seen = draw(
        st.one_of(
            st.floats(min_value=0.01, max_value=300.0, allow_nan=False), st.just("too small")
        )
    )
    others = st.one_of(st.just("gone"), st.floats(min_value=0.0, max_value=300.0))
    later = {t: (seen if t == back else draw(others)) for t in targets}
    later_states = {n: draw(st.sampled_from(["absent", "present", "not assessed"]))
                    for n in non_targets}
    baseline = {t: float(draw(st.integers(10, 300))) for t in targets}
    points = [
        {"date": "2025-01-10", "measurements_mm": baseline,
         "non_target": dict.fromkeys(non_targets, "present")},
        {"date": "2025-03-10", "measurements_mm": dict.fromkeys(targets, "gone"),
         "non_target": dict.fromkeys(non_targets, "absent")},
        {"date": "2025-05-10", "measurements_mm": later, "non_target": later_states},
    ]
    confirmation = draw(st.booleans())
    return {"settings": {"confirmation": confirmation}, "lesions": lesions, "timepoints": points}


@PROPERTY_SETTINGS
@given(reads_after_a_complete_response())
def test_after_a_cr_any_non_zero_non_nodal_measurement_is_progression(
    data: dict[str, Any],
) -> None:
    # Eisenhauer 2009, Table 3, footnote a: after a true CR, any disease seen at a later time
    # point, even disease meeting PR criteria relative to baseline, makes the disease PD
    result = assess(data)
    assert result.timepoints[1].overall is Response.CR
    assert result.timepoints[2].target is Response.PD
    assert result.timepoints[2].overall is Response.PD
    assert str(result.date_of_progression) == "2025-05-10"
