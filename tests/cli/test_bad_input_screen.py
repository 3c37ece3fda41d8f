"""``hepar screen``: bad candidate records and options are refused (issue 9)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input, write_json
from cli_records import CANDIDATE, DELETE, appended, changed

LAB_1990 = {"analyte": "alt", "value": 40, "unit": "U/L", "uln": 45, "sampled_on": "1990-01-01"}
CASES = [
    ("treatment before screening", changed(CANDIDATE, "treatment_date", "2024-12-01"),
     "treatment_date"),
    ("177Lu cycle after treatment", appended(CANDIDATE, "lutetium_cycles",
                                             {"administered_on": "2025-03-01"}),
     "lutetium_cycles[2].administered_on"),
    ("lab from 1990", appended(CANDIDATE, "labs", LAB_1990), "lab_max_days_before_screening"),
    ("lab after screening", changed(CANDIDATE, "labs.0.sampled_on", "2025-01-07"),
     "labs[0].sampled_on"),
    ("two results for one lab", appended(CANDIDATE, "labs", {
        "analyte": "bilirubin", "value": 30, "unit": "umol/L", "uln": 17,
        "sampled_on": "2025-01-03"}), "labs[7]"),
    ("attestation met and not met", appended(CANDIDATE, "attestations", {
        "criterion": "E10", "met": True, "attested_by": "dr.other",
        "attested_at": "2025-01-06T10:00:00+01:00"}), "attestations[1].met"),
    ("attestation of an unknown criterion", changed(CANDIDATE, "attestations.0.criterion",
                                                    "E99"), "attestations[0].criterion"),
    ("age 217 from the birth date", changed(CANDIDATE, "birth_date", "1808-01-01"),
     "age_years_max"),
    ("age contradicts birth date", changed(CANDIDATE, "age_years", 30), "age_years"),
    ("pregnant male", changed(changed(CANDIDATE, "sex", "male"), "facts.pregnant", True),
     "pregnant"),
    ("true is not WHO status 1", changed(CANDIDATE, "who_performance_status", True),
     "who_performance_status"),
    ("'42' is not 42 mm", changed(CANDIDATE, "lesions.0.diameter_mm", "42"),
     "lesions[0].diameter_mm"),
    ("weight as text", changed(CANDIDATE, "weight_kg", "70"), "weight_kg"),
    ("lab value as text", changed(CANDIDATE, "labs.1.value", "80"), "labs[1].value"),
    ("fact as text", changed(CANDIDATE, "facts.pregnant", "no"), "facts.pregnant"),
    ("missing screening date", changed(CANDIDATE, "screening_date", DELETE), "screening_date"),
    ("unknown field", changed(CANDIDATE, "nickname", "x"), "nickname"),
    ("birth after screening", changed(CANDIDATE, "birth_date", "2026-01-01"), "birth_date"),
    ("negative lab", changed(CANDIDATE, "labs.1.value", -1), "labs[1].value"),
    ("duplicate fact after normalising", changed(CANDIDATE, "facts.Pregnant", True),
     "Pregnant"),
    ("not an object", [CANDIDATE], "candidate"),
]
RAW = [
    ("NaN in JSON", '{"id": "S", "screening_date": "2025-01-06", "weight_kg": NaN}', "NaN"),
    ("Infinity in JSON", '{"id": "S", "screening_date": "2025-01-06", "weight_kg": Infinity}',
     "Infinity"),
    ("1e400 in JSON", '{"id": "S", "screening_date": "2025-01-06", "weight_kg": 1e400}', "1e400"),
    ("a key twice", '{"id": "S", "id": "T", "screening_date": "2025-01-06"}', "id"),
    ("not JSON", '{"id": ', "valid JSON"),
]


@pytest.mark.parametrize(("case", "record", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_candidate_record(tmp_path, capsys, case, record, named):
    check_bad_input(capsys, ["screen", write_json(tmp_path, "c.json", record), "--json"], named)


@pytest.mark.parametrize(("case", "text", "named"), RAW, ids=[c[0] for c in RAW])
def test_bad_candidate_file(tmp_path, capsys, case, text, named):
    check_bad_input(capsys, ["screen", write_json(tmp_path, "c.json", text)], named)


def test_bad_protocol_and_paths(tmp_path, capsys):
    good = write_json(tmp_path, "c.json", CANDIDATE)
    bad_yaml = tmp_path / "site.yaml"
    bad_yaml.write_text("name: x\n  version: [unclosed\n", encoding="utf-8")
    check_bad_input(capsys, ["screen", good, "--protocol", bad_yaml], "protocol")
    check_bad_input(capsys, ["screen", good, "--protocol", "nonesuch"], "protocol")
    check_bad_input(capsys, ["screen", tmp_path / "absent.json"], "absent.json")
    check_bad_input(capsys, ["screen", tmp_path], "file")
    check_bad_input(capsys, ["screen", good, "--bogus"], "--bogus")


def test_the_valid_record_is_accepted(tmp_path, capsys):
    # the table above breaks this record one field at a time: it must pass as it is
    from hepar.cli import main

    assert main(["screen", str(write_json(tmp_path, "c.json", CANDIDATE)), "--json"]) == 0
