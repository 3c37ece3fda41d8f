"""Combining the mean VOI doses of several deliveries (177Lu cycles, 166Ho) into dose and BED.

Each ``hepar dose`` run writes, per VOI, its mean dose and the effective half-life of its dose
rate (``voi_effective_half_life_h`` in ``summary.json``). This module reads earlier summaries and
adds the current run: total dose and BED per VOI, tumours with the tumour radiobiology, liver and
non-tumour liver (and other organs) with the normal-liver one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hepar.dosimetry import NORMAL_LIVER, TUMOUR, DoseComponent, combine_voi_doses
from hepar.errors import FileFormatError
from hepar.io import read_json

__all__ = ["combine_with_previous", "read_summary"]


def read_summary(path: str | Path) -> dict[str, Any]:
    """An earlier ``summary.json`` (or a folder holding one)."""
    source = Path(path)
    if source.is_dir():
        source = source / "summary.json"
    problem = None
    try:
        record = read_json(source)  # strict: no NaN, Infinity or repeated keys
    except FileFormatError as error:
        problem = f"{error.field} = {error.value!r}: {error.expected}"
    else:
        if not isinstance(record, dict):
            problem = f"a JSON {type(record).__name__}, not an object"
        else:
            missing = [k for k in ("nuclide", "voi_metrics", "voi_effective_half_life_h")
                       if k not in record]
            problem = f"KeyError: no {missing[0]!r}" if missing else None
    if problem is not None:
        raise FileFormatError(
            field="combine_with", value=str(source),
            expected=f"a summary.json written by hepar dose ({problem})",
        )
    record["_source"] = str(source)
    return dict(record)


def _components(summary: Mapping[str, Any], label: str) -> dict[str, DoseComponent]:
    half_lives = summary["voi_effective_half_life_h"]
    return {
        row["name"]: DoseComponent(label, float(row["mean_gy"]), float(half_lives[row["name"]]))
        for row in summary["voi_metrics"] if row["name"] in half_lives
    }


def combine_with_previous(
    current: Mapping[str, Any], previous: Sequence[Mapping[str, Any]], *, tumours: Sequence[str]
) -> list[dict[str, Any]]:
    """Per VOI of the current run: every delivery's mean dose, total dose, BED and total BED."""
    runs = [
        _components(summary, f"{summary['nuclide']} ({Path(summary['_source']).parent.name})")
        for summary in previous
    ]
    now = _components(current, f"{current['nuclide']} (this run)")
    rows = []
    for voi, component in now.items():
        parts = [run[voi] for run in runs if voi in run] + [component]
        biology = TUMOUR if voi in tumours else NORMAL_LIVER
        rows.append(combine_voi_doses(voi, parts, radiobiology=biology).to_dict())
    return rows
