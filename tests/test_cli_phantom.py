"""``hepar phantom``: the command-line contract (README.md, hepar phantom)."""

from __future__ import annotations

import json

from hepar.cli import main


def test_one_patient_json_contract(capsys, tmp_path):
    out = tmp_path / "patient"
    assert main(["phantom", str(out), "--seed", "4", "--preset", "tiny", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["patient_id"] == "HEPAR-V00000004"
    assert summary["truth"] == "truth.json" and summary["clinical"] == "clinical.json"
    truth = json.loads((out / "truth.json").read_text())
    assert truth["seed"] == 4 and truth["preset"] == "tiny"
    for scan in summary["scans"]:
        assert set(scan) == {"name", "isotope", "acquisition_start", "activity_in_fov_mbq",
                             "projections", "ct"}
        assert (out / scan["projections"]).is_file()
    record = json.loads((out / "clinical.json").read_text())
    assert record["candidate"]["id"] == "HEPAR-V00000004"


def test_cohort_writes_patients_and_a_screening_log_with_named_failures(capsys, tmp_path):
    out = tmp_path / "cohort"
    assert main(["phantom", str(out), "--cohort", "2", "--seed", "7", "--preset", "tiny",
                 "--json"]) == 0
    cohort = json.loads(capsys.readouterr().out)
    assert cohort["enrolled"] == 2 and cohort["screen_failures"] == 1
    log = json.loads((out / "screening_log.json").read_text())
    assert log["screened"] == 3 and log["eligible"] == 2 and log["screen_failures"] == 1
    failure = next(m for m in cohort["members"] if not m["enrolled"])
    entry = next(e for e in log["entries"] if e["candidate"] == failure["patient_id"])
    assert entry["failed_criteria"] == [failure["fails"]]
    for member in cohort["members"]:
        if member["enrolled"]:
            assert (out / member["folder"] / "truth.json").is_file()


def test_user_errors_are_one_line_with_status_2(capsys, tmp_path):
    assert main(["phantom", str(tmp_path / "x"), "--preset", "huge"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: preset = 'huge'") and "\n" not in err
    assert main(["phantom", str(tmp_path / "x"), "--seed", "-1", "--preset", "tiny"]) == 2
    assert "seed = -1" in capsys.readouterr().err
    assert main(["phantom", str(tmp_path / "x"), "--cohort", "0", "--preset", "tiny"]) == 2
    assert "--cohort = 0" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
