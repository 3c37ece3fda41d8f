"""Use case: grade a lab value by CTCAE v4.03; summarise a patient's adverse events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hepar.clinical import (
    AdverseEvent,
    grade_lab,
    sae_report_status,
    validate_record,
    worst_grades,
)
from hepar.errors import InvalidValueError
from hepar.services._clinical_input import read_json

__all__ = ["adverse_event_summary_file", "grade_lab_value"]


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


def adverse_event_summary_file(path: str | Path, *, now: datetime | None = None) -> dict[str, Any]:
    """Worst grade per patient and term, and the SAE reporting status, of the adverse events in a
    JSON file (a list of adverse-event records, or ``{"events": [...]}``)."""
    data = read_json(path)
    items = data.get("events") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidValueError(
            field="events",
            value=type(items).__name__,
            expected="a list of adverse-event records",
            source=Path(path).name,
        )
    events = []
    for index, item in enumerate(items):
        try:
            events.append(validate_record(AdverseEvent, item, source=Path(path).name))
        except InvalidValueError as error:
            raise type(error)(
                field=f"events[{index}].{error.field}",
                value=error.value,
                expected=error.expected,
                source=error.source,
            ) from None
    ids = [event.id for event in events]
    for index, event_id in enumerate(ids):
        if event_id in ids[:index]:
            raise InvalidValueError(
                field=f"events[{index}].id",
                value=event_id,
                expected="a unique adverse-event id",
                source=Path(path).name,
            )
    moment = now or datetime.now(UTC)
    return {
        "worst_grades": [w.model_dump(mode="json") for w in worst_grades(events)],
        "serious_adverse_events": [
            s.model_dump(mode="json") for s in sae_report_status(events, now=moment)
        ],
        "evaluated_at": moment.isoformat(),
    }
