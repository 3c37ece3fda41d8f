"""Command-line contracts of the clinical engines (issue 5): hepar screen, recist, qol, ctcae."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hepar.cli import main

ISSUE_READS: dict[str, Any] = {
    "settings": {"confirmation": False, "min_sd_days": 42, "treated_volume_only": False},
    "lesions": [
        {"id": "T1", "role": "target", "organ": "liver", "nodal": False, "in_treated_volume": True},
        {"id": "N1", "role": "non-target", "organ": "liver", "nodal": False,
         "in_treated_volume": True},
    ],
    "timepoints": [
        {"date": "2025-01-10", "measurements_mm": {"T1": 32.0}, "non_target": {"N1": "present"},
         "new_lesions": False},
        {"date": "2025-04-10", "measurements_mm": {"T1": 20.0}, "non_target": {"N1": "present"},
         "new_lesions": False},
        {"date": "2025-07-10", "measurements_mm": {"T1": "too small"},
         "non_target": {"N1": "not assessed"}, "new_lesions": "equivocal"},
        {"date": "2025-10-10", "measurements_mm": {}, "non_target": {"N1": "absent"},
         "new_lesions": True},
    ],
}


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ----------------------------------------------------------------------------- screen


def test_screen_json_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any]
) -> None:
    status, out, _ = run(capsys, "screen", write(tmp_path, "c.json", candidate_data), "--json")
    assert status == 0
    result = json.loads(out)
    assert result["eligible"] is True
    assert len(result["criteria"]) == 29
    for row in result["criteria"]:
        assert {"id", "text", "verdict", "value", "threshold"} <= set(row)
        assert row["verdict"] in {"met", "not met", "needs attestation", "missing data"}


@pytest.mark.parametrize(
    ("change", "eligible"),
    [
        ({"weight_kg": 160}, False),
        ({"attestations": []}, "pending attestation"),
        ({"labs": []}, "incomplete"),
    ],
)
def test_screen_eligible_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any],
    change: dict[str, Any], eligible: Any,
) -> None:
    candidate_data.update(change)
    _, out, _ = run(capsys, "screen", write(tmp_path, "c.json", candidate_data), "--json")
    assert json.loads(out)["eligible"] == eligible


def test_screen_protocol_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any]
) -> None:
    candidate_data["labs"].append({"analyte": "platelets", "value": 80, "unit": "10^9/L",
                                   "sampled_on": "2025-01-06"})
    path = write(tmp_path, "c.json", candidate_data)
    _, registry, _ = run(capsys, "screen", path, "--json")
    _, paper, _ = run(capsys, "screen", path, "--protocol", "paper-v6", "--json")
    assert json.loads(registry)["eligible"] is False
    assert json.loads(paper)["eligible"] is True
    assert json.loads(paper)["protocol"].startswith("paper-v6")


def test_screen_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any]
) -> None:
    candidate_data["weight_kg"] = 160
    status, out, _ = run(capsys, "screen", write(tmp_path, "c.json", candidate_data))
    assert status == 0
    assert "eligible: False" in out
    assert "screen failure: E19" in out


def test_screen_bad_record_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any]
) -> None:
    candidate_data["labs"][0]["value"] = -3
    status, out, err = run(capsys, "screen", write(tmp_path, "c.json", candidate_data))
    assert status == 2
    assert err.strip() == (
        "error: c.json: labs[0].value = -3.0: expected a finite number >= 0"
    )
    assert out == ""


def test_screen_missing_file_and_bad_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "screen", str(tmp_path / "none.json"))
    assert status == 2 and "expected an existing JSON file" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    status, _, err = run(capsys, "screen", str(bad))
    assert status == 2 and "expected valid JSON" in err


def test_screen_unknown_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], candidate_data: dict[str, Any]
) -> None:
    path = write(tmp_path, "c.json", candidate_data)
    status, _, err = run(capsys, "screen", path, "--protocol", "v99")
    assert status == 2
    assert "error: protocol = 'v99': expected one of paper-v6, registry" in err


# ----------------------------------------------------------------------------- recist


def test_recist_json_contract_on_the_issue_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "recist", write(tmp_path, "reads.json", ISSUE_READS), "--json")
    assert status == 0
    result = json.loads(out)
    keys = {"date", "sum_mm", "change_from_baseline_pct", "change_from_nadir_pct", "target",
            "non_target", "overall", "reason"}
    assert all(keys <= set(tp) for tp in result["timepoints"])
    assert [tp["overall"] for tp in result["timepoints"]] == [None, "PR", "PR", "PD"]
    # 32 -> 20 mm: -37.5 %, PR; "too small" = 5 mm with N1 not assessed: still PR (Table 1)
    assert result["timepoints"][1]["change_from_baseline_pct"] == -37.5
    assert result["timepoints"][2]["sum_mm"] == 5.0
    assert result["timepoints"][3]["target"] == "NE"  # T1 not assessed, but new lesions: PD
    assert result["best_overall_response"] == "PR"
    # the new lesion, equivocal on 2025-07-10, was confirmed: progression dates from then
    assert result["date_of_progression"] == "2025-07-10"
    assert result["timepoints"][1]["reason"]


def test_recist_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "recist", write(tmp_path, "reads.json", ISSUE_READS))
    assert status == 0
    assert "best overall response: PR" in out
    assert "date of progression: 2025-07-10" in out


def test_recist_non_target_given_as_one_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(json.dumps(ISSUE_READS))
    data["timepoints"][1]["non_target"] = "present"
    status, out, err = run(capsys, "recist", write(tmp_path, "reads.json", data))
    assert (status, out) == (2, "")
    assert err == (
        "error: reads.json: timepoints[1].non_target = 'present': expected a map of non-target "
        'lesion id to state, e.g. {"N1": "present"}; states: \'present\', \'absent\', '
        "'unequivocal progression', 'not assessed'; a lymph node may be given by its short axis "
        'in mm instead, e.g. {"N2": 8.0}\n'
    )


def test_recist_durations_of_response_and_of_complete_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Eisenhauer 2009, section 4.7: PR on 03-10, CR on 05-10, PD (new lesion) on 07-10: the
    # response lasted from the first PR (122 days), the CR from the first CR (61 days)
    data = {
        "lesions": [{"id": "T1", "role": "target", "organ": "liver"}],
        "timepoints": [
            {"date": "2025-01-10", "measurements_mm": {"T1": 40.0}},
            {"date": "2025-03-10", "measurements_mm": {"T1": 20.0}},
            {"date": "2025-05-10", "measurements_mm": {"T1": "gone"}},
            {"date": "2025-07-10", "measurements_mm": {"T1": "gone"}, "new_lesions": True},
        ],
    }
    path = write(tmp_path, "reads.json", data)
    status, out, _ = run(capsys, "recist", path, "--json")
    assert status == 0
    result = json.loads(out)
    assert result["best_overall_response"] == "CR"
    assert result["duration_of_response_days"] == 122
    assert result["duration_of_complete_response_days"] == 61
    assert result["duration_of_response_censored"] is False
    status, out, _ = run(capsys, "recist", path)
    assert "duration of response: 122 days (from the first CR/PR)" in out
    assert "duration of complete response: 61 days (from the first CR)" in out


def test_recist_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(json.dumps(ISSUE_READS))
    data["timepoints"][2]["date"] = "2025-02-01"
    status, _, err = run(capsys, "recist", write(tmp_path, "reads.json", data))
    assert status == 2
    assert err.startswith("error: reads.json: timepoints[2].date = '2025-02-01'")


# ----------------------------------------------------------------------------- qol

C30_CODES = ["QL2", "PF2", "RF2", "EF", "CF", "SF", "FA", "NV", "PA", "DY", "SL", "AP", "CO",
             "DI", "FI"]


def test_qol_score_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = {str(i): 2 for i in range(1, 29) if i != 8} | {"29": 4, "30": 5}
    status, out, _ = run(capsys, "qol", "score", write(tmp_path, "a.json", answers), "--json")
    assert status == 0
    scores = json.loads(out)
    assert set(scores) == {*C30_CODES, "summary"}
    assert scores["DY"] is None and scores["summary"] is None
    assert scores["PF2"] == pytest.approx((1 - 1 / 3) * 100)
    assert scores["QL2"] == pytest.approx((4.5 - 1) / 6 * 100)


def test_qol_score_answer_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "qol", "score", write(tmp_path, "a.json", {"3": 5}))
    assert status == 2
    assert err.strip() == "error: a.json: item 3 = 5: expected an answer 1-4 (QLQ-C30)"


def test_qol_score_with_a_site_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "module.yaml"
    module.write_text(
        "instrument: MADE-UP\nitems: [{first: 31, last: 32, max: 4}]\n"
        "scales: [{code: XX, type: symptom, items: [31, 32]}]\n",
        encoding="utf-8",
    )
    path = write(tmp_path, "a.json", {"31": 4, "32": 4})
    status, out, _ = run(capsys, "qol", "score", path, "--definition", str(module), "--json")
    assert status == 0 and json.loads(out)["XX"] == 100.0


def test_qol_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = write(tmp_path, "b.json", {"10": 1, "12": 1, "18": 1})
    after = write(tmp_path, "f.json", {"10": 2, "12": 2, "18": 1})
    status, out, _ = run(capsys, "qol", "change", before, after, "--json")
    assert status == 0
    fatigue = json.loads(out)["scales"]["FA"]
    assert fatigue["classification"] == "deteriorated"
    assert fatigue["change"] == pytest.approx(2 / 9 * 100)
    status, out, _ = run(capsys, "qol", "change", before, after)
    assert "deteriorated" in out


# ----------------------------------------------------------------------------- ctcae


def test_ctcae_grade_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "ctcae", "grade", "--term", "Blood bilirubin increased", "--value", "40",
        "--unit", "umol/L", "--uln", "17", "--json",
    )
    assert status == 0
    result = json.loads(out)
    assert result["grade"] == 2
    assert "x ULN" in result["reason"]


def test_ctcae_grade_with_lln_and_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "ctcae", "grade", "--term", "Anemia", "--value", "5.5", "--unit",
                    "mmol/L", "--lln", "7.5", "--json")
    assert json.loads(out)["grade"] == 2
    _, out, _ = run(capsys, "ctcae", "grade", "--term", "Creatinine increased", "--value", "200",
                    "--unit", "umol/L", "--uln", "90", "--baseline", "60", "--json")
    assert json.loads(out)["grade"] == 3
    status, out, _ = run(capsys, "ctcae", "grade", "--term", "Anemia", "--value", "5.5", "--unit",
                         "mmol/L")
    assert status == 0 and "grade 2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "parsec"], "error: unit = 'parsec': expected one of"),
        (["--unit", "umol/L", "--value", "-1"], "error: value = -1.0: expected a lab value >= 0"),
        (["--unit", "g/dL"], "error: unit = 'g/dL': expected a unit of bilirubin"),
    ],
)
def test_ctcae_grade_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = ["ctcae", "grade", "--term", "Blood bilirubin increased", "--value", "40", "--uln", "17"]
    if "--value" in args:
        base = base[:4] + base[6:]
    status, _, err = run(capsys, *base, *args)
    assert status == 2
    assert err.startswith(message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lln", "9", "--uln", "7"], "error: lln = 9.0: expected a lower limit of normal below "
         "uln (7)\n"),
        (["--lln", "7.5", "--uln", "-7"], "error: uln = -7.0: expected a number > 0\n"),
        (["--lln", "-7.5"], "error: lln = -7.5: expected a number > 0\n"),
    ],
)
def test_ctcae_grade_refuses_inconsistent_limits(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = run(
        capsys, "ctcae", "grade", "--term", "Anemia", "--value", "5.5", "--unit", "mmol/L", *args
    )
    assert (status, out, err) == (2, "", message)


def test_ctcae_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = [
        {"id": "1", "patient_id": "P1", "term": "Fatigue", "grade": 1, "onset": "2025-03-02",
         "relatedness": "possible"},
        {"id": "2", "patient_id": "P1", "term": "Fatigue", "grade": 2, "onset": "2025-03-09",
         "relatedness": "possible"},
        {"id": "3", "patient_id": "P1", "term": "Abdominal pain", "grade": 3,
         "onset": "2025-03-02", "relatedness": "probable", "serious": True,
         "seriousness_criteria": ["hospitalisation"], "awareness_at": "2025-03-02T10:00:00+01:00"},
    ]
    path = write(tmp_path, "aes.json", events)
    status, out, _ = run(capsys, "ctcae", "events", path, "--now", "2025-03-04T00:00:00+01:00",
                         "--json")
    assert status == 0
    result = json.loads(out)
    assert {(w["term"], w["grade"]) for w in result["worst_grades"]} == {
        ("Fatigue", 2), ("Abdominal pain", 3)
    }
    assert result["serious_adverse_events"][0]["overdue"] is True
    status, out, _ = run(capsys, "ctcae", "events", path, "--now", "2025-03-04T00:00:00+01:00")
    assert status == 0 and "OVERDUE" in out


def test_ctcae_events_bad_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "aes.json", [{"id": "1", "patient_id": "P1", "term": "Fatigue",
                                         "grade": 7, "onset": "2025-03-02",
                                         "relatedness": "possible"}])
    status, _, err = run(capsys, "ctcae", "events", path)
    assert status == 2
    assert err.startswith("error: aes.json: events[0].grade = 7")
