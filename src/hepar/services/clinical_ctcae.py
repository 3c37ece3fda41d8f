"""Use case: grade a lab value by CTCAE v4.03; summarise a patient's adverse events.

:func:`adverse_event_summary` works on typed :class:`~hepar.clinical.AdverseEvent` records;
:func:`adverse_event_summary_file` is the command's file edge (reading through :mod:`hepar.io`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hepar.clinical import AdverseEvent, grade_lab, sae_report_status, worst_grades
from hepar.errors import InvalidValueError

__all__ = ["adverse_event_summary", "adverse_event_summary_file", "grade_lab_value"]


def grade_lab_value(
    term: str,
    value: float,
    unit: str,
    *,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
) -> dict[str, Any]:
    """The ``hepar ctcae grade --json`` output: ``grade`` (0-4) and ``reason`` (plus ``term``,
    ``value``, ``unit``)."""
    result = grade_lab(term, value, unit, uln=uln, lln=lln, baseline=baseline)
    data = result.model_dump(mode="json")
    return {"grade": data.pop("grade"), "reason": data.pop("reason"), **data}


def adverse_event_summary(
    events: Sequence[AdverseEvent], *, now: datetime | None = None, source: str | None = None
) -> dict[str, Any]:
    """Worst grade per patient and term, and the SAE reporting status at ``now`` (default: now),
    of a patient's adverse events; the ``hepar ctcae events --json`` output."""
    ids = [event.id for event in events]
    for index, event_id in enumerate(ids):
        if event_id in ids[:index]:
            raise InvalidValueError(
                field=f"events[{index}].id",
                value=event_id,
                expected="a unique adverse-event id",
                source=source,
            )
    moment = now or datetime.now(UTC)
    return {
        "worst_grades": [w.model_dump(mode="json") for w in worst_grades(events)],
        "serious_adverse_events": [
            s.model_dump(mode="json") for s in sae_report_status(events, now=moment)
        ],
        "evaluated_at": moment.isoformat(),
    }


def adverse_event_summary_file(path: str | Path, *, now: datetime | None = None) -> dict[str, Any]:
    """File edge of ``hepar ctcae events``: :func:`adverse_event_summary` of the adverse events
    in a JSON file (a list of adverse-event records, or ``{"events": [...]}``)."""
    from hepar.io import read_records  # here: hepar.io imports the imaging stack (fast start)

    events = read_records(AdverseEvent, path, key="events", what="adverse-event")
    return adverse_event_summary(events, now=now, source=Path(path).name)
