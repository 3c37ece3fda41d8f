"""Arbitrary JSON, and valid records with one part replaced by arbitrary JSON, fed to screen,
recist, qol score and ctcae events: never a traceback, never exit 0 with NaN or Infinity."""

from __future__ import annotations

import copy
import json
from typing import Any

from cli_records import ANSWERS, CANDIDATE, EVENT, READS
from contract import check_run
from hypothesis import given, settings
from hypothesis import strategies as st

JSON_LEAF = (st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
             | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
             | st.sampled_from(["2025-01-06", "2025-01-06T10:00:00+01:00", "1e400", " 29", "42",
                                "too small", "gone", "present", "bilirubin", "umol/L"]))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: Any, record: Any) -> Any:
    """``record`` with the value at one path (any depth, the root included) replaced."""
    data = copy.deepcopy(record)
    path = draw(st.sampled_from(_paths(data)))
    value = draw(JSON)
    if not path:
        return value
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _run(tmp_path: Any, capsys: Any, argv_head: list[str], data: Any, tail: list[str]) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    check_run(capsys, [*argv_head, path, *tail])


@settings(settings.get_profile("hepar-properties"))
@given(data=mutated(CANDIDATE) | JSON)
def test_screen_never_crashes(tmp_path, capsys, data):
    _run(tmp_path, capsys, ["screen"], data, ["--json"])


@settings(settings.get_profile("hepar-properties"))
@given(data=mutated(READS) | JSON)
def test_recist_never_crashes(tmp_path, capsys, data):
    _run(tmp_path, capsys, ["recist"], data, ["--json"])


@settings(settings.get_profile("hepar-properties"))
@given(data=mutated(ANSWERS) | JSON)
def test_qol_score_never_crashes(tmp_path, capsys, data):
    _run(tmp_path, capsys, ["qol", "score"], data, ["--json"])


@settings(settings.get_profile("hepar-properties"))
@given(data=mutated([EVENT, {**EVENT, "id": "2", "grade": 2}]) | JSON)
def test_ctcae_events_never_crashes(tmp_path, capsys, data):
    _run(tmp_path, capsys, ["ctcae", "events"], data,
         ["--now", "2025-03-04T00:00:00+01:00", "--json"])


@settings(settings.get_profile("hepar-properties"))
@given(data=mutated(ANSWERS))
def test_qol_change_never_crashes(tmp_path, capsys, data):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(ANSWERS), encoding="utf-8")
    _run(tmp_path, capsys, ["qol", "change", baseline], data, ["--json"])
