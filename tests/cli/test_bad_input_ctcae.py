"""``hepar ctcae grade`` and ``hepar ctcae events``: bad values, records and options are refused
(issue 9)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input, write_json
from cli_records import DELETE, EVENT, changed

GRADE = ["ctcae", "grade", "--term", "Blood bilirubin increased", "--unit", "umol/L",
         "--uln", "17"]
GRADE_CASES = [
    ("non-numeric value", ["--value", "abc"], "--value"),
    ("NaN value", ["--value", "nan"], "value"),
    ("infinite value", ["--value", "inf"], "value"),
    ("1e400 value", ["--value", "1e400"], "value"),
    ("negative value", ["--value", "-1"], "value"),
    ("non-numeric ULN", ["--value", "20", "--uln", "x"], "--uln"),
    ("zero ULN", ["--value", "20", "--uln", "0"], "uln"),
    ("unknown unit", ["--value", "20", "--unit", "parsec"], "unit"),
    ("wrong unit for the analyte", ["--value", "20", "--unit", "g/dL"], "unit"),
    ("unknown term", ["--value", "20", "--term", "Happiness increased"], "term"),
    ("missing value", [], "--value"),
    ("unknown option", ["--value", "20", "--colour"], "--colour"),
]
EVENT_CASES = [
    ("awareness before onset", changed(EVENT, "awareness_at", "2025-03-01T10:00:00+01:00"),
     "awareness_at"),
    ("grade 5 not serious", changed(changed(changed(changed(EVENT, "grade", 5), "serious", False),
                                            "seriousness_criteria", []), "awareness_at", DELETE),
     "serious"),
    ("grade 7", changed(EVENT, "grade", 7), "grade"),
    ("grade as text", changed(EVENT, "grade", "3"), "grade"),
    ("grade true", changed(EVENT, "grade", True), "grade"),
    ("serious as text", changed(EVENT, "serious", "yes"), "serious"),
    ("serious without criteria", changed(EVENT, "seriousness_criteria", []),
     "seriousness_criteria"),
    ("serious without awareness", changed(EVENT, "awareness_at", DELETE), "awareness_at"),
    ("awareness without offset", changed(EVENT, "awareness_at", "2025-03-02T10:00:00"),
     "awareness_at"),
    ("report before awareness", changed(EVENT, "reported_at", "2025-03-02T09:00:00+01:00"),
     "reported_at"),
    ("resolution before onset", changed(EVENT, "resolution", "2025-03-01"), "resolution"),
    ("unknown relatedness", changed(EVENT, "relatedness", "maybe"), "relatedness"),
    ("empty term", changed(EVENT, "term", ""), "term"),
]


@pytest.mark.parametrize(("case", "args", "named"), GRADE_CASES, ids=[c[0] for c in GRADE_CASES])
def test_bad_grade_options(capsys, case, args, named):
    check_bad_input(capsys, [*GRADE, *args], named)


@pytest.mark.parametrize(("case", "event", "named"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_bad_event_record(tmp_path, capsys, case, event, named):
    check_bad_input(capsys, ["ctcae", "events", write_json(tmp_path, "e.json", [event]),
                             "--json"], named)


@pytest.mark.parametrize(("case", "text", "named"), [
    ("NaN grade", '[{"grade": NaN}]', "NaN"),
    ("not a list", '{"id": "1"}', "events"),
    ("a key twice", '[{"id": "1", "id": "2"}]', "id"),
], ids=["NaN grade", "not a list", "a key twice"])
def test_bad_event_file(tmp_path, capsys, case, text, named):
    check_bad_input(capsys, ["ctcae", "events", write_json(tmp_path, "e.json", text)], named)


@pytest.mark.parametrize("now", ["yesterday", "2025-03-04", "2025-03-04T00:00:00"])
def test_bad_now(tmp_path, capsys, now):
    path = write_json(tmp_path, "e.json", [EVENT])
    check_bad_input(capsys, ["ctcae", "events", path, "--now", now], "--now")


def test_the_valid_event_is_accepted(tmp_path, capsys):
    from hepar.cli import main

    assert main(["ctcae", "events", str(write_json(tmp_path, "e.json", [EVENT])), "--json"]) == 0
