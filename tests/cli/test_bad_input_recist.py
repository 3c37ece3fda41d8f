"""``hepar recist``: bad reads are refused (issue 9)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input, write_json
from cli_records import DELETE, READS, appended, changed

CASES = [
    ("'42' is not 42 mm", changed(READS, "timepoints.1.measurements_mm.T1", "42"),
     "measurements_mm"),
    ("negative diameter", changed(READS, "timepoints.1.measurements_mm.T1", -3), "T1"),
    ("boolean diameter", changed(READS, "timepoints.1.measurements_mm.T1", True), "T1"),
    ("dates out of order", changed(READS, "timepoints.1.date", "2024-12-01"),
     "timepoints[1].date"),
    ("same date twice", changed(READS, "timepoints.1.date", "2025-01-10"), "timepoints[1].date"),
    ("unknown lesion measured", changed(READS, "timepoints.1.measurements_mm",
                                        {"T1": 20.0, "T9": 3.0}), "measurements_mm"),
    ("duplicate lesion id", appended(READS, "lesions", {"id": "T1", "role": "target",
                                                        "organ": "liver"}), "lesions[2].id"),
    ("unknown role", changed(READS, "lesions.0.role", "main"), "lesions[0].role"),
    ("nodal as text", changed(READS, "lesions.0.nodal", "yes"), "lesions[0].nodal"),
    ("confirmation as 1", changed(READS, "settings.confirmation", 1), "settings.confirmation"),
    ("min_sd_days as text", changed(READS, "settings.min_sd_days", "42"), "settings.min_sd_days"),
    ("negative min_sd_days", changed(READS, "settings.min_sd_days", -1), "settings.min_sd_days"),
    ("baseline target unmeasured", changed(READS, "timepoints.0.measurements_mm", {}),
     "timepoints[0].measurements_mm.T1"),
    ("new lesions at baseline", changed(READS, "timepoints.0.new_lesions", True),
     "timepoints[0].new_lesions"),
    ("no lesions", changed(READS, "lesions", []), "lesions"),
    ("no time points", changed(READS, "timepoints", DELETE), "timepoints"),
    ("bad non-target state", changed(READS, "timepoints.1.non_target.N1", "bigger"),
     "non_target"),
    ("measurements not a map", changed(READS, "timepoints.1.measurements_mm", [20.0]),
     "measurements_mm"),
    ("not a date", changed(READS, "timepoints.1.date", "April"), "timepoints[1].date"),
    ("not an object", [READS], "RecistReads"),
]
RAW = [
    ("NaN diameter", '{"lesions": [], "timepoints": [{"date": "2025-01-01", '
     '"measurements_mm": {"T1": NaN}}]}', "NaN"),
    ("1e400 diameter", '{"lesions": [], "timepoints": [{"date": "2025-01-01", '
     '"measurements_mm": {"T1": 1e400}}]}', "1e400"),
    ("a key twice", '{"lesions": [], "lesions": []}', "lesions"),
]


@pytest.mark.parametrize(("case", "reads", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_reads(tmp_path, capsys, case, reads, named):
    check_bad_input(capsys, ["recist", write_json(tmp_path, "r.json", reads), "--json"], named)


@pytest.mark.parametrize(("case", "text", "named"), RAW, ids=[c[0] for c in RAW])
def test_bad_reads_file(tmp_path, capsys, case, text, named):
    check_bad_input(capsys, ["recist", write_json(tmp_path, "r.json", text)], named)


def test_bad_paths_and_options(tmp_path, capsys):
    check_bad_input(capsys, ["recist", tmp_path / "absent.json"], "absent.json")
    check_bad_input(capsys, ["recist"], "READS")
    check_bad_input(capsys, ["recist", write_json(tmp_path, "r.json", READS), "--jsn"], "--jsn")


def test_the_valid_reads_are_accepted(tmp_path, capsys):
    from hepar.cli import main

    assert main(["recist", str(write_json(tmp_path, "r.json", READS)), "--json"]) == 0
