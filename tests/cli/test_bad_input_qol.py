"""``hepar qol score`` and ``hepar qol change``: bad answers and options are refused (issue 9)."""

from __future__ import annotations

import pytest
from bad_input import check_bad_input, write_json
from cli_records import ANSWERS, changed

CASES = [
    ("answer out of range", changed(ANSWERS, "1", 5), "item 1"),
    ("answer 0", changed(ANSWERS, "1", 0), "item 1"),
    ("fractional answer", changed(ANSWERS, "1", 2.5), "item 1"),
    ("answer as text", changed(ANSWERS, "1", "2"), "item 1"),
    ("answer true", changed(ANSWERS, "1", True), "item 1"),
    ("unknown item", changed(ANSWERS, "31", 2), "item 31"),
    ("item 0", changed(ANSWERS, "0", 2), "item 0"),
    ("item with a space", changed(ANSWERS, " 29", 5), "item"),
    ("item as a word", changed(ANSWERS, "Q1", 2), "item"),
    ("item with a sign", changed(ANSWERS, "+3", 2), "item"),
    ("answer a list", changed(ANSWERS, "2", [2]), "item 2"),
    ("not an object", [2, 2, 2], "answers"),
]
RAW = [
    ("NaN answer", '{"1": NaN}', "NaN"),
    ("Infinity answer", '{"1": Infinity}', "Infinity"),
    ("-Infinity answer", '{"1": -Infinity}', "Infinity"),
    ("1e400 answer", '{"1": 1e400}', "1e400"),
    ("a key twice", '{"1": 2, "1": 3}', "1"),
    ("not JSON", "{1: 2}", "valid JSON"),
    ("empty file", "", "valid JSON"),
]


@pytest.mark.parametrize(("case", "answers", "named"), CASES, ids=[c[0] for c in CASES])
def test_bad_answers(tmp_path, capsys, case, answers, named):
    check_bad_input(capsys, ["qol", "score", write_json(tmp_path, "a.json", answers), "--json"],
                    named)


@pytest.mark.parametrize(("case", "text", "named"), RAW, ids=[c[0] for c in RAW])
def test_bad_answer_files(tmp_path, capsys, case, text, named):
    check_bad_input(capsys, ["qol", "score", write_json(tmp_path, "a.json", text)], named)


def test_29_and_space_29_are_the_same_item(tmp_path, capsys):
    # issue 9: both were accepted and the last one won
    path = write_json(tmp_path, "a.json", '{"29": 5, "29 ": 2}')
    check_bad_input(capsys, ["qol", "score", path], "item")


@pytest.mark.parametrize("threshold", ["inf", "nan", "-5", "0", "abc", "1e400", "101"])
def test_bad_change_threshold(tmp_path, capsys, threshold):
    path = write_json(tmp_path, "a.json", ANSWERS)
    check_bad_input(capsys, ["qol", "change", path, path, "--threshold", threshold, "--json"],
                    "--threshold")


def test_bad_definition_file(tmp_path, capsys):
    path = write_json(tmp_path, "a.json", ANSWERS)
    bad = tmp_path / "net21.yaml"
    bad.write_text("instrument: [\n", encoding="utf-8")
    check_bad_input(capsys, ["qol", "score", path, "--definition", bad], "net21.yaml")
    check_bad_input(capsys, ["qol", "score", path, "--definition", tmp_path / "no.yaml"],
                    "no.yaml")


def test_the_valid_answers_are_accepted(tmp_path, capsys):
    from hepar.cli import main

    assert main(["qol", "score", str(write_json(tmp_path, "a.json", ANSWERS)), "--json"]) == 0
