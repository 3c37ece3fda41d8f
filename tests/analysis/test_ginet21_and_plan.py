"""QLQ-GI.NET21 scale map (Yadegarfar et al., Br J Cancer 2013;108:301) and the protocol's
analysis plan."""

from __future__ import annotations

import pytest

from hepar.clinical import AnalysisPlan, ScaleType, score_answers, validate_record
from hepar.errors import InvalidValueError
from hepar.io import load_ginet21, load_protocol, load_study_questionnaires


def test_ginet21_structure_follows_yadegarfar_2013() -> None:
    # 21 items after the C30 (31-51), answered 1-4; five multi-item scales (endocrine, GI,
    # treatment-related, social function, disease-related worries) and single items, weight
    # gain scored alone (the paper's abstract).
    ginet = load_ginet21()
    assert ginet.item_numbers == list(range(31, 52))
    assert {ginet.item_range(i) for i in ginet.item_numbers} == {(1, 4)}
    multi = {s.code for s in ginet.scales if len(s.items) > 1}
    assert multi == {"ED", "GI", "TR", "SOC", "DRW"}
    assert [len(s.items) for s in ginet.scales if s.code == "WG"] == [1]
    # every item belongs to exactly one scale; all scored like C30 symptom scales
    items = sorted(i for s in ginet.scales for i in s.items)
    assert items == list(range(31, 52))
    assert {s.type for s in ginet.scales} == {ScaleType.SYMPTOM}


def test_ginet21_scores_like_a_symptom_scale() -> None:
    qs = load_study_questionnaires()
    none = score_answers({i: 1 for i in range(31, 52)}, qs).scores
    worst = score_answers({i: 4 for i in range(31, 52)}, qs).scores
    # S = (RS - 1) / range x 100 (EORTC scoring manual): 1 -> 0, 4 -> 100
    assert none["GI"] == 0.0 and worst["GI"] == 100.0
    # half-items rule: 2 of 5 GI items answered -> not scored; 3 of 5 -> scored
    gi = next(s for s in qs[1].scales if s.code == "GI").items
    assert score_answers({gi[0]: 2, gi[1]: 2}, qs).scores["GI"] is None
    assert score_answers({gi[0]: 2, gi[1]: 2, gi[2]: 2}, qs).scores["GI"] == pytest.approx(
        100 / 3)


@pytest.mark.parametrize("name", ["registry", "paper-v6"])
def test_shipped_protocols_carry_the_analysis_plan(name: str) -> None:
    plan = load_protocol(name).analysis
    assert plan.primary_visit == "fu-3m" and plan.treated_volume_only
    assert plan.qol_threshold_points == 10.0  # Osoba et al. 1998
    assert plan.safety_window_days == 365  # NCT02067988: AEs to 1 year
    assert plan.simon_design is None


def test_analysis_plan_refuses_alternative_below_null() -> None:
    with pytest.raises(InvalidValueError, match="response_rate_alternative"):
        validate_record(AnalysisPlan, {"response_rate_null": 0.3,
                                       "response_rate_alternative": 0.2})


def test_unknown_primary_visit_is_named_in_the_error() -> None:
    from datetime import date

    from hepar.analysis import PatientRecord, patient_responses
    from hepar.clinical import RecistReads

    protocol = load_protocol("registry")
    bad = protocol.model_copy(update={"analysis": protocol.analysis.model_copy(
        update={"primary_visit": "fu-4m"})})
    reads = RecistReads.model_validate({
        "lesions": [{"id": "T1", "role": "target", "organ": "liver", "in_treated_volume": True}],
        "timepoints": [{"date": "2025-01-10", "measurements_mm": {"T1": 40.0}},
                       {"date": "2025-05-10", "measurements_mm": {"T1": 26.0}}]})
    patient = PatientRecord("P1", date(2025, 2, 1), recist=reads)
    with pytest.raises(InvalidValueError, match=r"analysis\.primary_visit.*fu-4m"):
        patient_responses([patient], bad)


def test_reads_without_a_treated_lesion_make_the_patient_not_evaluable() -> None:
    from datetime import date

    from hepar.analysis import PatientRecord, patient_responses
    from hepar.clinical import RecistReads, Response

    reads = RecistReads.model_validate({
        "lesions": [{"id": "T1", "role": "target", "organ": "liver",
                     "in_treated_volume": False}],
        "timepoints": [{"date": "2025-01-10", "measurements_mm": {"T1": 40.0}},
                       {"date": "2025-05-02", "measurements_mm": {"T1": 26.0}}]})
    [result] = patient_responses([PatientRecord("P1", date(2025, 2, 1), recist=reads)],
                                 load_protocol("registry"))
    assert result.primary is Response.NE and not result.evaluable
    assert "in_treated_volume" in result.primary_reason
