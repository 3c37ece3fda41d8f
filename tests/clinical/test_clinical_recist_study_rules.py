"""RECIST 1.1 rules this study depends on, each against the section of Eisenhauer et al., Eur J
Cancer 2009;45:228 (RECIST 1.1) that states it."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from hepar.clinical import RecistReads, Response, assess_recist, validate_record
from hepar.errors import HeparError
from hepar.io import load_protocol


@pytest.mark.parametrize("name", ["registry", "paper-v6"])
def test_each_protocol_file_states_both_recist_flags_as_the_study_requires(name: str) -> None:
    """Primary endpoint "objective response ... in the treated liver volume" (Braat et al.,
    Lancet Oncol 2020): treated_volume_only. Single-arm trial with response as the primary
    endpoint: confirmation of CR/PR required (RECIST 1.1, section 4.6). Both are written in the
    file itself, not taken from defaults."""
    text = (resources.files("hepar.clinical") / "protocols" / f"{name}.yaml").read_text("utf-8")
    assert set(yaml.safe_load(text)["recist"]) >= {"treated_volume_only", "confirmation"}
    rules = load_protocol(name).recist
    assert rules.treated_volume_only is True
    assert rules.confirmation is True
    settings = rules.settings()
    assert settings.treated_volume_only and settings.confirmation
    assert settings.min_confirmation_days == 28  # section 4.6: "no less than 4 weeks"


def test_a_protocol_file_without_the_confirmation_flag_is_refused(tmp_path) -> None:
    text = (resources.files("hepar.clinical") / "protocols" / "registry.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    del data["recist"]["confirmation"]
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(HeparError, match="confirmation"):
        load_protocol(path)


def assess(data: dict[str, Any]):
    return assess_recist(validate_record(RecistReads, data))


def test_nodes_that_grow_but_stay_under_10_mm_are_progression() -> None:
    """Section 4.3.1 (note on lymph nodes) and Appendix II: nodal targets keep their actual short
    axis in the sum even below 10 mm; PD is a sum >= 20 % and >= 5 mm above the nadir. Two nodes
    of 20 mm shrink to 4 mm each (sum 8 mm, nodes < 10 mm: target CR), then grow to 9 mm each
    (sum 18 mm: +125 %, +10 mm from the nadir): PD, although every node is still < 10 mm."""
    result = assess({
        "lesions": [
            {"id": "T1", "role": "target", "organ": "lymph node", "nodal": True},
            {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
        ],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 20.0, "T2": 20.0}},
            {"date": "2025-04-10", "measurements_mm": {"T1": 4.0, "T2": 4.0}},
            {"date": "2025-07-10", "measurements_mm": {"T1": 9.0, "T2": 9.0}},
        ],
    })
    assert result.timepoints[1].target is Response.CR
    assert result.timepoints[2].target is Response.PD
    assert result.timepoints[2].overall is Response.PD
    assert str(result.date_of_progression) == "2025-07-10"


def test_a_small_node_increase_below_the_thresholds_stays_complete_response() -> None:
    """The same nodes growing from 4 to 6 mm (sum 8 -> 12 mm: +50 % but only +4 mm, under the
    5 mm absolute increase of section 4.3.1) are not PD, and all nodes < 10 mm keep the CR."""
    result = assess({
        "lesions": [
            {"id": "T1", "role": "target", "organ": "lymph node", "nodal": True},
            {"id": "T2", "role": "target", "organ": "lymph node", "nodal": True},
        ],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 20.0, "T2": 20.0}},
            {"date": "2025-04-10", "measurements_mm": {"T1": 4.0, "T2": 4.0}},
            {"date": "2025-07-10", "measurements_mm": {"T1": 6.0, "T2": 6.0}},
        ],
    })
    assert result.timepoints[2].target is Response.CR


def reads_with_a_nodal_non_target(state: str) -> dict[str, Any]:
    return {
        "lesions": [
            {"id": "T1", "role": "target", "organ": "liver"},
            {"id": "N1", "role": "non-target", "organ": "lymph node", "nodal": True},
        ],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 40.0},
             "non_target": {"N1": "present"}},
            {"date": "2025-04-10", "measurements_mm": {"T1": "gone"},
             "non_target": {"N1": state}},
        ],
    }


def test_non_target_complete_response_needs_the_nodes_at_normal_size() -> None:
    """Section 4.3.2: non-target CR is the disappearance of all non-target lesions, and "all lymph
    nodes must be non-pathological in size (< 10 mm short axis)". A nodal non-target still read
    present (pathological, >= 10 mm) gives NON-CR/NON-PD, and with a target CR the overall response
    is PR (Table 1); read absent (normal size) it is CR."""
    kept = assess(reads_with_a_nodal_non_target("present")).timepoints[1]
    assert kept.non_target is Response.NON_CR_NON_PD
    assert "N1 still >= 10 mm" in kept.reason
    assert kept.overall is Response.PR
    normal = assess(reads_with_a_nodal_non_target("absent")).timepoints[1]
    assert normal.non_target is Response.CR
    assert "< 10 mm short axis" in normal.reason
    assert normal.overall is Response.CR


def test_with_the_study_settings_an_unconfirmed_partial_response_is_not_the_best_response() -> None:
    """Section 4.6 and Table 3: with confirmation, a PR at one time point followed by no later
    CR/PR >= 4 weeks after is not a best response of PR; without it, it is. The study's settings
    come from its protocol file."""
    settings = load_protocol("registry").recist.settings().model_dump(mode="json")
    reads = {
        "settings": settings,
        "lesions": [{"id": "T1", "role": "target", "organ": "liver", "in_treated_volume": True}],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 40.0}},
            {"date": "2025-04-10", "measurements_mm": {"T1": 26.0}},
        ],
    }
    confirmed = assess(reads)
    assert confirmed.timepoints[1].overall is Response.PR
    assert confirmed.best_overall_response is Response.SD
    unconfirmed = assess({**reads, "settings": {**settings, "confirmation": False}})
    assert unconfirmed.best_overall_response is Response.PR


def reads_with_a_measured_node(short_axis_mm: float | str, *, baseline: float = 14.0
                               ) -> dict[str, Any]:
    """A liver target that disappears and a pathological node (10-15 mm: non-target, section
    3.3.1) read by its short axis."""
    return {
        "lesions": [
            {"id": "T1", "role": "target", "organ": "liver"},
            {"id": "N1", "role": "non-target", "organ": "lymph node", "nodal": True},
        ],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 40.0},
             "non_target": {"N1": baseline}},
            {"date": "2025-04-10", "measurements_mm": {"T1": "gone"},
             "non_target": {"N1": short_axis_mm}},
        ],
    }


@pytest.mark.parametrize(
    ("short_axis_mm", "non_target", "overall"),
    [
        # section 4.3.2: CR needs every node < 10 mm short axis; 9.9 mm is normal, 10.0 mm is not
        (9.9, Response.CR, Response.CR),
        (10.0, Response.NON_CR_NON_PD, Response.PR),
        (12.0, Response.NON_CR_NON_PD, Response.PR),
    ],
)
def test_non_target_cr_uses_the_measured_node_short_axis(short_axis_mm, non_target, overall):
    """A nodal non-target given by its short axis: < 10 mm counts as absent (CR possible),
    >= 10 mm as present (NON-CR/NON-PD, and with a target CR the overall response is PR, Table 1).
    The edge is exactly 10 mm (section 4.3.2: "< 10 mm short axis")."""
    point = assess(reads_with_a_measured_node(short_axis_mm)).timepoints[1]
    assert point.non_target is non_target
    assert point.overall is overall
    assert f"N1 {short_axis_mm:g} mm" in point.reason


def test_a_node_under_10_mm_is_not_a_baseline_non_target() -> None:
    """Section 3.3.1: "Nodes that have a short axis < 10 mm are considered non-pathological and
    should not be recorded or followed": a baseline short axis of 8 mm is refused."""
    with pytest.raises(HeparError, match=r"timepoints\[0\]\.non_target\.N1.*>= 10 mm"):
        assess(reads_with_a_measured_node(8.0, baseline=8.0))


def test_a_size_is_only_a_read_of_a_lymph_node() -> None:
    data = reads_with_a_measured_node(6.0)
    data["lesions"][1] = {"id": "N1", "role": "non-target", "organ": "bone"}
    with pytest.raises(HeparError, match=r"non_target\.N1.*lymph node"):
        assess(data)
    with pytest.raises(HeparError, match="short axis in mm"):
        assess(reads_with_a_measured_node("8 mm"))


def test_a_node_back_over_10_mm_after_a_complete_response_is_progression() -> None:
    """Table 3, footnote a: after a CR (node 7 mm), the node measured again at 11 mm is disease
    seen again: PD."""
    data = reads_with_a_measured_node(7.0)
    data["timepoints"].append({"date": "2025-07-10", "measurements_mm": {"T1": "gone"},
                               "non_target": {"N1": 11.0}})
    result = assess(data)
    assert result.timepoints[1].overall is Response.CR
    assert result.timepoints[2].overall is Response.PD
