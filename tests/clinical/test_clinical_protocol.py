"""The protocol file: shipped versions, a site's copy, validation, visit schedule, prescription."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from hepar.clinical import (
    CriterionType,
    PlanningLimits,
    Prescription,
    plan_visits,
    visit_deviation_days,
)
from hepar.clinical._criteria import AnyRule, LabRule, LutetiumRule, NumberRule
from hepar.errors import FileFormatError, InvalidValueError
from hepar.io import load_protocol, protocol_names

# The criteria of the ClinicalTrials.gov record NCT02067988, by their opening words, in order.
REGISTRY_INCLUSION = [
    "Patients must have given written informed consent",
    "Female or male aged 18 years and over",
    "Confirmed histological diagnosis NET",
    "Patients must have been treated with 4 cycles of 200 mCi",
    "Life expectancy of 12 weeks or longer",
    "World Health Organisation (WHO) Performance status 0-2",
    "Liver disease with three or more measurable liver lesions",
    "Negative pregnancy test for women of childbearing potential",
]
REGISTRY_EXCLUSION = [
    "Brain metastases or spinal cord compression",
    "Radiation therapy within the last 4 weeks",
    "The last dose of prior chemotherapy",
    "Major surgery within 4 weeks",
    "Any unresolved toxicity greater than",
    "Serum bilirubin > 1.5 x Upper Limit of Normal",
    "Glomerular filtration rate <35 ml/min",
    "Alanine aminotransferase (ALT), aspartate aminotransferase (AST), or alkaline phosphatase",
    "Leukocytes < 3.0",
    "Significant cardiac event",
    "Pregnancy or nursing",
    "Patients suffering from diseases with an increased chance of liver toxicity",
    "Patients suffering from psychic disorders",
    "Patients who are declared incompetent",
    "Previous enrolment in the present study or previous treatment with RE",
    "Female patients who are not using an acceptable method of contraception",
    "Male patients who are not surgically sterile",
    "Patients with abnormalities of the bile ducts",
    "Body weight over 150 kg",
    "Severe allergy for i.v. contrast",
    "Liver tumour involvement",
]


def _registry_data() -> Any:
    text = (resources.files("hepar.clinical") / "protocols" / "registry.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_shipped_versions() -> None:
    assert protocol_names() == ["paper-v6", "registry"]


def test_registry_is_the_default_and_carries_a_version() -> None:
    protocol = load_protocol()
    assert protocol.name == "registry"
    assert "NCT02067988" in protocol.version
    assert protocol.schema_version == 1


def test_every_criterion_of_the_registry_record_is_encoded_in_order() -> None:
    protocol = load_protocol("registry")
    inclusion = [c.text for c in protocol.criteria if c.type is CriterionType.INCLUSION]
    exclusion = [c.text for c in protocol.criteria if c.type is CriterionType.EXCLUSION]
    assert len(inclusion) == len(REGISTRY_INCLUSION)
    assert len(exclusion) == len(REGISTRY_EXCLUSION)
    expected = REGISTRY_INCLUSION + REGISTRY_EXCLUSION
    for text, start in zip(inclusion + exclusion, expected, strict=True):
        assert text.startswith(start), (text, start)


def test_judgement_criteria_need_attestation() -> None:
    # "in the opinion of the Investigator", life expectancy, psychic disorders ...: never guessed
    protocol = load_protocol("registry")
    judged = {c.id for c in protocol.criteria if "attestation" in c.rule.model_dump_json()}
    assert {"I3", "I5", "E1", "E10", "E12", "E13", "E18"} <= judged


def _rule(name: str, criterion_id: str) -> object:
    return load_protocol(name).criterion(criterion_id).rule


def test_paper_v6_differs_from_the_registry_as_reference_lists() -> None:
    # REFERENCE.md / Braat et al., BMC Gastroenterol 2018;18:84, Table 3
    registry_i4, paper_i4 = _rule("registry", "I4"), _rule("paper-v6", "I4")
    assert isinstance(registry_i4, LutetiumRule) and isinstance(paper_i4, LutetiumRule)
    assert (registry_i4.min_weeks, registry_i4.max_weeks) == (8, 12)
    assert (paper_i4.min_weeks, paper_i4.max_weeks) == (0, 20)

    def lab_thresholds(name: str) -> dict[str, float]:
        rule = load_protocol(name).criterion("E9").rule
        assert isinstance(rule, AnyRule)
        return {r.analyte.value: r.threshold for r in rule.rules if isinstance(r, LabRule)}

    assert lab_thresholds("registry") == {"leukocytes": 3.0, "platelets": 100.0}
    assert lab_thresholds("paper-v6") == {"leukocytes": 2.0, "platelets": 50.0}
    registry_e21, paper_e21 = _rule("registry", "E21"), _rule("paper-v6", "E21")
    assert isinstance(registry_e21, NumberRule) and isinstance(paper_e21, NumberRule)
    assert (registry_e21.op.value, registry_e21.threshold) == (">=", 70)
    assert (paper_e21.op.value, paper_e21.threshold) == (">", 70)


def test_prescription_and_planning_limits_are_typed() -> None:
    protocol = load_protocol()
    assert isinstance(protocol.prescription, Prescription)
    assert isinstance(protocol.planning_limits, PlanningLimits)
    # REFERENCE.md: 60 Gy mean to the treated liver; 15.87 mJ/MBq; 60 / 0.01587 = 3781 MBq/kg
    assert protocol.prescription.mean_dose_treated_liver_gy == 60.0
    assert protocol.prescription.absorbed_energy_mj_per_mbq == 15.87
    assert protocol.prescription.activity_mbq_per_kg == pytest.approx(3781, abs=0.5)
    assert protocol.prescription.activity_mbq(1.5) == pytest.approx(1.5 * 60 / 0.01587)
    # REFERENCE.md (Adv Radiother Nucl Med 2020): lung <= 30 Gy, liver mean <= 60, tumour >= 150
    assert protocol.planning_limits.lung_dose_max_gy == 30.0
    assert protocol.planning_limits.liver_mean_dose_max_gy == 60.0
    assert protocol.planning_limits.tumour_dose_ideal_min_gy == 150.0


def test_endpoints_follow_the_record() -> None:
    endpoints = {e.id: e for e in load_protocol().endpoints}
    assert endpoints["response"].primary and endpoints["response"].time_frame == "3 months"
    assert endpoints["adverse-events"].instrument == "CTCAE v4.03"
    assert endpoints["adverse-events"].time_frame == "1 year"


def test_a_site_variant_is_a_copy_of_the_file(tmp_path: Path) -> None:
    data = _registry_data()
    data["name"] = "site-x"
    data["version"] = "site X amendment 1"
    data["planning_limits"]["lung_dose_max_gy"] = 25
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    protocol = load_protocol(path)
    assert protocol.label == "site-x (site X amendment 1)"
    assert protocol.planning_limits.lung_dose_max_gy == 25.0
    assert load_protocol(str(path)).name == "site-x"


def test_unknown_protocol_name_lists_the_choices() -> None:
    with pytest.raises(InvalidValueError, match=r"protocol = 'paper-v9'.*registry"):
        load_protocol("paper-v9")


def test_a_file_that_is_not_yaml_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("criteria: [unclosed", encoding="utf-8")
    with pytest.raises(FileFormatError, match="a YAML protocol file"):
        load_protocol(path)


def test_a_wrong_field_in_the_file_is_named(tmp_path: Path) -> None:
    data = _registry_data()
    data["criteria"][5]["rule"]["op"] = "about"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"bad\.yaml: criteria\[5\]\.rule"):
        load_protocol(path)


def test_duplicate_criterion_ids_are_rejected(tmp_path: Path) -> None:
    data = _registry_data()
    data["criteria"][1]["id"] = "I1"
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"criteria\[1\]\.id = 'I1': expected a unique id"):
        load_protocol(path)


def test_visit_anchors_must_not_loop(tmp_path: Path) -> None:
    data = _registry_data()
    data["visits"][0]["anchor"] = "scout"  # treatment -> scout -> treatment
    path = tmp_path / "loop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InvalidValueError, match="no cycle"):
        load_protocol(path)


def test_visit_schedule_around_the_treatment_date() -> None:
    visits = {v.id: v for v in plan_visits(load_protocol(), date(2025, 3, 3))}
    assert visits["treatment"].planned == date(2025, 3, 3)
    assert visits["fu-3m"].planned == date(2025, 6, 2)  # 91 days
    assert visits["fu-12m"].planned == date(2026, 3, 3)  # 365 days
    # registry: last 177Lu cycle 8-12 weeks before 166Ho-RE
    assert visits["lu177-c4"].earliest == date(2025, 3, 3) - timedelta(weeks=12)
    assert visits["lu177-c4"].latest == date(2025, 3, 3) - timedelta(weeks=8)
    assert visits["lu177-c3"].planned < visits["lu177-c4"].planned
    ordered = [v.planned for v in plan_visits(load_protocol(), date(2025, 3, 3))]
    assert ordered == sorted(ordered)


def test_visit_window_deviation() -> None:
    visit = {v.id: v for v in plan_visits(load_protocol(), date(2025, 3, 3))}["fu-3m"]
    assert visit_deviation_days(visit, visit.planned) == 0
    assert visit.in_window(visit.latest)
    assert visit_deviation_days(visit, date(2025, 6, 20)) == 4  # window ends 2025-06-16
    assert visit_deviation_days(visit, date(2025, 5, 15)) == -4  # window starts 2025-05-19
