"""Eligibility against the registry record (NCT02067988) and the protocol paper (Braat et al., BMC
Gastroenterol 2018;18:84), criterion by criterion."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from hepar.clinical import (
    Candidate,
    EligibilityResult,
    Protocol,
    Verdict,
    evaluate_eligibility,
    screening_log,
    validate_record,
)
from hepar.errors import InvalidValueError
from hepar.io import load_protocol


def screen(data: dict[str, Any], protocol: str = "registry") -> EligibilityResult:
    return evaluate_eligibility(validate_record(Candidate, data), load_protocol(protocol))


def verdict(result: EligibilityResult, criterion: str) -> Verdict:
    return next(c.verdict for c in result.criteria if c.id == criterion)


def row(result: EligibilityResult, criterion: str) -> Any:
    return next(c for c in result.criteria if c.id == criterion)


def test_a_complete_candidate_is_eligible(candidate_data: dict[str, Any]) -> None:
    result = screen(candidate_data)
    assert result.eligible is True
    assert len(result.criteria) == 29
    assert result.screen_failure_reasons == []


def test_attested_criteria_record_who_and_when(candidate_data: dict[str, Any]) -> None:
    result = screen(candidate_data)
    e10 = row(result, "E10")
    assert e10.verdict is Verdict.NOT_MET
    assert e10.attested_by == "dr.investigator"
    assert e10.attested_at.isoformat() == "2025-01-06T10:00:00+01:00"
    assert "dr.investigator" in e10.value


def test_missing_attestation_makes_the_screening_pending(candidate_data: dict[str, Any]) -> None:
    candidate_data["attestations"] = [
        a for a in candidate_data["attestations"] if a["criterion"] != "E13"
    ]
    result = screen(candidate_data)
    assert verdict(result, "E13") is Verdict.NEEDS_ATTESTATION
    assert result.eligible == "pending attestation"
    assert result.pending_attestation == ["E13"]


def test_the_latest_attestation_counts(candidate_data: dict[str, Any]) -> None:
    candidate_data["attestations"].append(
        {"criterion": "E12", "met": True, "attested_by": "dr.second",
         "attested_at": "2025-01-07T09:00:00+01:00", "note": "chronic hepatitis B found"}
    )
    result = screen(candidate_data)
    assert verdict(result, "E12") is Verdict.MET
    assert row(result, "E12").attested_by == "dr.second"
    assert result.eligible is False


def test_missing_data_makes_the_screening_incomplete(candidate_data: dict[str, Any]) -> None:
    labs = candidate_data["labs"]
    candidate_data["labs"] = [lab for lab in labs if lab["analyte"] != "bilirubin"]
    candidate_data["attestations"] = candidate_data["attestations"][:-1]
    result = screen(candidate_data)
    assert verdict(result, "E6") is Verdict.MISSING_DATA
    assert result.eligible == "incomplete"  # missing data outranks a pending attestation
    assert result.missing_data == ["E6"]


def test_a_failed_criterion_outranks_missing_data(candidate_data: dict[str, Any]) -> None:
    del candidate_data["facts"]["severe contrast allergy"]
    candidate_data["weight_kg"] = 151
    result = screen(candidate_data)
    assert result.eligible is False
    assert result.screen_failure_reasons == [
        "E19: Body weight over 150 kg. (body weight 151 kg vs body weight > 150 kg)"
    ]


def test_age_on_the_screening_date(candidate_data: dict[str, Any]) -> None:
    candidate_data["birth_date"] = "2007-01-07"  # 18 the day after screening
    assert verdict(screen(candidate_data), "I2") is Verdict.NOT_MET
    candidate_data["birth_date"] = "2007-01-06"
    assert verdict(screen(candidate_data), "I2") is Verdict.MET


@pytest.mark.parametrize(
    ("value", "unit", "uln", "expected"),
    [
        (25.5, "umol/L", 17.0, Verdict.NOT_MET),  # exactly 1.5 x ULN is not > 1.5 x ULN
        (25.6, "umol/L", 17.0, Verdict.MET),
        (1.6, "mg/dL", 1.0, Verdict.MET),  # mg/dL with a mg/dL ULN
    ],
)
def test_bilirubin_above_1_5_uln_excludes(
    candidate_data: dict[str, Any], with_lab: Callable[..., None], value: float, unit: str,
    uln: float, expected: Verdict,
) -> None:
    with_lab(candidate_data, "bilirubin", value=value, unit=unit, uln=uln)
    assert verdict(screen(candidate_data), "E6") is expected


def test_bilirubin_without_uln_is_missing_data(
    candidate_data: dict[str, Any], with_lab: Callable[..., None]
) -> None:
    with_lab(candidate_data, "bilirubin", value=12, unit="umol/L")
    result = screen(candidate_data)
    assert verdict(result, "E6") is Verdict.MISSING_DATA
    assert "ULN" in row(result, "E6").value


def test_mdrd_egfr_below_35_excludes(
    candidate_data: dict[str, Any], with_lab: Callable[..., None]
) -> None:
    # 64-year-old woman, creatinine 1.6 mg/dL: 175 x 1.6^-1.154 x 64^-0.203 x 0.742 = 33.8
    with_lab(candidate_data, "creatinine", value=1.6, unit="mg/dL", uln=1.1)
    result = screen(candidate_data)
    assert verdict(result, "E7") is Verdict.MET
    expected = 175 * 1.6**-1.154 * 64**-0.203 * 0.742
    assert f"eGFR {expected:.2f}" in row(result, "E7").value


def test_egfr_needs_sex_and_age(candidate_data: dict[str, Any]) -> None:
    del candidate_data["sex"]
    result = screen(candidate_data)
    assert verdict(result, "E7") is Verdict.MISSING_DATA
    assert "sex" in row(result, "E7").value


@pytest.mark.parametrize("analyte", ["alt", "ast", "alp"])
def test_any_liver_enzyme_above_5_uln_excludes(
    candidate_data: dict[str, Any], with_lab: Callable[..., None], analyte: str
) -> None:
    with_lab(candidate_data, analyte, value=251, unit="U/L", uln=50)
    result = screen(candidate_data)
    assert verdict(result, "E8") is Verdict.MET
    assert row(result, "E8").threshold == f"{analyte} > 5 x ULN"


@pytest.mark.parametrize(
    ("leukocytes", "platelets", "registry", "paper"),
    [
        (4.5, 180, Verdict.NOT_MET, Verdict.NOT_MET),
        (2.5, 180, Verdict.MET, Verdict.NOT_MET),  # registry < 3.0; paper < 2.0
        (4.5, 80, Verdict.MET, Verdict.NOT_MET),  # registry < 100; paper < 50
        (1.9, 180, Verdict.MET, Verdict.MET),
        (4.5, 49, Verdict.MET, Verdict.MET),
    ],
)
def test_blood_counts_registry_versus_paper(
    candidate_data: dict[str, Any], with_lab: Callable[..., None], leukocytes: float,
    platelets: float, registry: Verdict, paper: Verdict,
) -> None:
    with_lab(candidate_data, "leukocytes", value=leukocytes, unit="10^9/L")
    with_lab(candidate_data, "platelets", value=platelets, unit="10^9/L")
    assert verdict(screen(candidate_data, "registry"), "E9") is registry
    assert verdict(screen(candidate_data, "paper-v6"), "E9") is paper


def test_platelets_in_per_mm3_are_converted(
    candidate_data: dict[str, Any], with_lab: Callable[..., None]
) -> None:
    with_lab(candidate_data, "platelets", value=90000, unit="/mm3")
    result = screen(candidate_data)
    assert verdict(result, "E9") is Verdict.MET
    assert "platelets 90 10^9/L (reported 90000 /mm3)" in row(result, "E9").value


@pytest.mark.parametrize(
    ("involvement", "registry", "paper"),
    [(69.9, Verdict.NOT_MET, Verdict.NOT_MET), (70.0, Verdict.MET, Verdict.NOT_MET),
     (70.1, Verdict.MET, Verdict.MET)],
)
def test_liver_involvement_registry_at_least_70_paper_above_70(
    candidate_data: dict[str, Any], involvement: float, registry: Verdict, paper: Verdict
) -> None:
    candidate_data["liver_tumour_involvement_pct"] = involvement
    assert verdict(screen(candidate_data, "registry"), "E21") is registry
    assert verdict(screen(candidate_data, "paper-v6"), "E21") is paper


@pytest.mark.parametrize(
    ("treatment_date", "registry", "paper"),
    [
        ("2025-02-10", Verdict.MET, Verdict.MET),  # 8 weeks after the last cycle (2024-12-16)
        ("2025-03-10", Verdict.MET, Verdict.MET),  # 12 weeks
        ("2025-02-09", Verdict.NOT_MET, Verdict.MET),  # 7.9 weeks
        ("2025-03-11", Verdict.NOT_MET, Verdict.MET),  # 12.1 weeks
        ("2025-05-05", Verdict.NOT_MET, Verdict.MET),  # 20 weeks
        ("2025-05-06", Verdict.NOT_MET, Verdict.NOT_MET),  # 20.1 weeks
    ],
)
def test_time_since_last_lutetium_cycle(
    candidate_data: dict[str, Any], treatment_date: str, registry: Verdict, paper: Verdict
) -> None:
    candidate_data["treatment_date"] = treatment_date
    assert verdict(screen(candidate_data, "registry"), "I4") is registry
    assert verdict(screen(candidate_data, "paper-v6"), "I4") is paper


def test_three_cycles_are_not_enough(candidate_data: dict[str, Any]) -> None:
    candidate_data["lutetium_cycles"] = candidate_data["lutetium_cycles"][1:]
    result = screen(candidate_data)
    assert verdict(result, "I4") is Verdict.NOT_MET
    assert "3 < 4 cycles" in row(result, "I4").value


def _protocol_with_i4(tmp_path: Path, **rule: Any) -> Protocol:
    """The registry protocol with extra fields in the I4 rule, as a site's copy of the file."""
    text = (resources.files("hepar.clinical") / "protocols" / "registry.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    i4 = next(c for c in data["criteria"] if c["id"] == "I4")
    i4["rule"].update(rule)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_protocol(path)


FIFTH_CYCLE = {"administered_on": "2024-05-13", "activity_mbq": 7400}


def test_exactly_four_cycles_refuses_a_fifth(
    tmp_path: Path, candidate_data: dict[str, Any]
) -> None:
    # NCT02067988: "Patients must have been treated with 4 cycles of 200 mCi 177Lu-dotatate":
    # min_cycles 4 and max_cycles 4; a fifth cycle fails, with the value and the threshold
    protocol = _protocol_with_i4(tmp_path, max_cycles=4)
    candidate = validate_record(Candidate, candidate_data)
    four = next(c for c in evaluate_eligibility(candidate, protocol).criteria if c.id == "I4")
    assert four.verdict is Verdict.MET
    assert four.threshold.startswith("= 4 cycles 177Lu")
    candidate_data["lutetium_cycles"].insert(0, FIFTH_CYCLE)
    result = evaluate_eligibility(validate_record(Candidate, candidate_data), protocol)
    five = next(c for c in result.criteria if c.id == "I4")
    assert five.verdict is Verdict.NOT_MET
    assert five.value is not None
    assert five.value.startswith("5 cycles (7400, 7400, 7400, 7350, 7400 MBq)")
    assert "[5 > 4 cycles]" in five.value
    assert five.threshold.startswith("= 4 cycles 177Lu of 7400 MBq ± 10 %")
    assert result.eligible is False


def test_a_range_of_cycles_and_no_upper_limit(
    tmp_path: Path, candidate_data: dict[str, Any]
) -> None:
    candidate_data["lutetium_cycles"].insert(0, FIFTH_CYCLE)
    candidate = validate_record(Candidate, candidate_data)
    ranged = _protocol_with_i4(tmp_path, max_cycles=6)
    i4 = next(c for c in evaluate_eligibility(candidate, ranged).criteria if c.id == "I4")
    assert (i4.verdict, i4.threshold[:17]) == (Verdict.MET, "4-6 cycles 177Lu ")
    open_ended = _protocol_with_i4(tmp_path, max_cycles=None)
    i4 = next(c for c in evaluate_eligibility(candidate, open_ended).criteria if c.id == "I4")
    assert (i4.verdict, i4.threshold[:15]) == (Verdict.MET, "≥ 4 cycles 177L")


def test_max_cycles_below_min_cycles_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidValueError,
        match=r"site\.yaml: criteria\[\d+\]\.rule\.lutetium\.max_cycles = 3: expected a number "
        r"of cycles >= min_cycles \(4\)",
    ):
        _protocol_with_i4(tmp_path, max_cycles=3)


def test_a_reduced_lutetium_activity_fails_the_criterion(candidate_data: dict[str, Any]) -> None:
    candidate_data["lutetium_cycles"][2]["activity_mbq"] = 3700
    assert verdict(screen(candidate_data), "I4") is Verdict.NOT_MET


def test_lutetium_window_needs_the_planned_treatment_date(candidate_data: dict[str, Any]) -> None:
    del candidate_data["treatment_date"]
    result = screen(candidate_data)
    assert verdict(result, "I4") is Verdict.MISSING_DATA
    assert "planned 166Ho-RE date" in row(result, "I4").value


def test_measurable_liver_lesions_follow_recist(candidate_data: dict[str, Any]) -> None:
    # RECIST 1.1 (Eisenhauer 2009, 3.1.1): >= 10 mm non-nodal; >= 2 x slice thickness above 5 mm
    candidate_data["lesions"] = [
        {"id": "L1", "organ": "liver", "diameter_mm": 32},
        {"id": "L2", "organ": "liver", "diameter_mm": 18},
        {"id": "L3", "organ": "liver", "diameter_mm": 14, "slice_thickness_mm": 8},
        {"id": "N1", "organ": "lymph node", "diameter_mm": 20, "nodal": True},
    ]
    result = screen(candidate_data)
    assert verdict(result, "I7") is Verdict.NOT_MET
    assert "L3: longest diameter 14 mm < 16 mm" in row(result, "I7").value
    candidate_data["lesions"][2]["slice_thickness_mm"] = 5
    assert verdict(screen(candidate_data), "I7") is Verdict.MET


def test_locally_treated_lesions_are_not_measurable(candidate_data: dict[str, Any]) -> None:
    candidate_data["lesions"][0]["locally_treated"] = True
    assert verdict(screen(candidate_data), "I7") is Verdict.NOT_MET


def test_no_lesion_measurements_is_missing_data(candidate_data: dict[str, Any]) -> None:
    candidate_data["lesions"] = []
    assert verdict(screen(candidate_data), "I7") is Verdict.MISSING_DATA


@pytest.mark.parametrize(
    ("weeks_before", "expected"), [(3, Verdict.MET), (4, Verdict.NOT_MET), (10, Verdict.NOT_MET)]
)
def test_radiotherapy_within_four_weeks_of_study_therapy(
    candidate_data: dict[str, Any], weeks_before: int, expected: Verdict
) -> None:
    from datetime import date, timedelta

    candidate_data["events"]["radiotherapy"] = (
        date(2025, 2, 24) - timedelta(weeks=weeks_before)
    ).isoformat()
    assert verdict(screen(candidate_data), "E2") is expected


def test_an_event_not_recorded_is_missing_but_null_means_never(
    candidate_data: dict[str, Any],
) -> None:
    del candidate_data["events"]["chemotherapy"]
    result = screen(candidate_data)
    assert verdict(result, "E3") is Verdict.MISSING_DATA
    assert verdict(result, "E2") is Verdict.NOT_MET  # radiotherapy: null = never


def test_pregnancy_criteria_for_a_woman_of_childbearing_potential(
    candidate_data: dict[str, Any],
) -> None:
    candidate_data["facts"]["childbearing potential"] = True
    result = screen(candidate_data)
    assert verdict(result, "I8") is Verdict.MISSING_DATA  # needs the pregnancy test
    assert verdict(result, "E11") is Verdict.MISSING_DATA  # needs pregnant / nursing
    candidate_data["facts"].update(
        {"pregnancy test negative": True, "pregnant": False, "nursing": False}
    )
    result = screen(candidate_data)
    assert (verdict(result, "I8"), verdict(result, "E11")) == (Verdict.MET, Verdict.NOT_MET)
    candidate_data["facts"]["nursing"] = True
    assert verdict(screen(candidate_data), "E11") is Verdict.MET


def test_pregnancy_criteria_do_not_apply_to_men(candidate_data: dict[str, Any]) -> None:
    candidate_data["sex"] = "male"
    candidate_data["facts"].pop("childbearing potential")
    result = screen(candidate_data)
    assert verdict(result, "I8") is Verdict.MET
    assert verdict(result, "E11") is Verdict.NOT_MET
    assert verdict(result, "E16") is Verdict.NOT_MET
    assert verdict(result, "E17") is Verdict.NOT_MET  # uses contraception
    candidate_data["facts"]["without acceptable contraception"] = True
    assert verdict(screen(candidate_data), "E17") is Verdict.MET


def test_judgement_inside_a_combined_criterion(candidate_data: dict[str, Any]) -> None:
    # I3: histology is a recorded fact; "without standard therapeutic options" is a judgement
    candidate_data["facts"]["histologically confirmed NET"] = False
    result = screen(candidate_data)
    assert verdict(result, "I3") is Verdict.NOT_MET
    candidate_data["facts"]["histologically confirmed NET"] = True
    candidate_data["attestations"] = [
        a for a in candidate_data["attestations"] if a["criterion"] != "I3"
    ]
    assert verdict(screen(candidate_data), "I3") is Verdict.NEEDS_ATTESTATION


def test_unresolved_toxicity_above_grade_2_excludes(candidate_data: dict[str, Any]) -> None:
    candidate_data["unresolved_toxicity_grade"] = 2
    assert verdict(screen(candidate_data), "E5") is Verdict.NOT_MET
    candidate_data["unresolved_toxicity_grade"] = 3
    assert verdict(screen(candidate_data), "E5") is Verdict.MET


def test_screening_log_counts_failures_by_criterion(candidate_data: dict[str, Any]) -> None:
    eligible = screen(candidate_data)
    heavy = dict(candidate_data, id="S-002", weight_kg=160, screening_date="2025-01-08")
    young = dict(candidate_data, id="S-003", birth_date="2010-01-01", weight_kg=160,
                 screening_date="2025-01-07")
    log = screening_log([screen(heavy), eligible, screen(young)])
    assert [e.candidate for e in log.entries] == ["S-001", "S-003", "S-002"]
    assert (log.screened, log.eligible, log.screen_failures, log.undecided) == (3, 1, 2, 0)
    assert log.failures_by_criterion == {"E19": 2, "I2": 1}
    assert log.entries[1].failed_criteria == ["I2", "E19"]


def test_candidate_with_duplicate_lesion_ids_is_rejected(candidate_data: dict[str, Any]) -> None:
    candidate_data["lesions"][1]["id"] = "L1"
    with pytest.raises(InvalidValueError, match=r"lesions\[1\]\.id = 'L1': expected a unique"):
        validate_record(Candidate, candidate_data)


def test_candidate_with_a_negative_lab_is_rejected(candidate_data: dict[str, Any]) -> None:
    candidate_data["labs"][0]["value"] = -3
    with pytest.raises(InvalidValueError, match=r"labs\[0\]\.value = -3\.0"):
        validate_record(Candidate, candidate_data)


def test_candidate_with_an_unknown_unit_is_rejected(candidate_data: dict[str, Any]) -> None:
    candidate_data["labs"][0]["unit"] = "grains"
    with pytest.raises(InvalidValueError, match=r"labs\[0\]\.unit = 'grains'"):
        validate_record(Candidate, candidate_data)


@pytest.mark.parametrize("protocol", ["registry", "paper-v6"])
def test_shipped_protocols_want_exactly_four_cycles(
    candidate_data: dict[str, Any], protocol: str
) -> None:
    # NCT02067988 and Braat et al. 2018: treated with 4 cycles of 200 mCi 177Lu-dotatate.
    candidate_data["lutetium_cycles"].insert(0, FIFTH_CYCLE)
    result = screen(candidate_data, protocol)
    assert verdict(result, "I4") is Verdict.NOT_MET
    assert "[5 > 4 cycles]" in row(result, "I4").value
