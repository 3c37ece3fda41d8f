"""Use case: load a protocol version (shipped name or a site's file) and describe it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hepar.clinical import Protocol, plan_visits
from hepar.io import load_protocol

__all__ = ["load_study_protocol", "protocol_summary"]


def load_study_protocol(name_or_path: str | Path = "registry") -> Protocol:
    """The protocol ``registry`` (default), ``paper-v6`` or the one in a file."""
    return load_protocol(name_or_path)


def protocol_summary(
    name_or_path: str | Path = "registry", *, treatment_date: date | None = None
) -> dict[str, Any]:
    """The protocol as JSON-ready data; with ``treatment_date``, its visits on a calendar."""
    protocol = load_protocol(name_or_path)
    summary: dict[str, Any] = protocol.model_dump(mode="json")
    if treatment_date is not None:
        summary["planned_visits"] = [
            visit.model_dump(mode="json") for visit in plan_visits(protocol, treatment_date)
        ]
    return summary
