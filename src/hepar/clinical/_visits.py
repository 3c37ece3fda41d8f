"""The visit schedule of a protocol, planned around the 166Ho treatment date."""

from __future__ import annotations

from datetime import date, timedelta

from hepar.clinical._base import Record
from hepar.clinical._protocol import Protocol, Visit

__all__ = ["PlannedVisit", "plan_visits", "visit_deviation_days"]


class PlannedVisit(Record):
    """A visit placed on the calendar, with its window (inclusive)."""

    id: str
    name: str
    planned: date
    earliest: date
    latest: date

    def in_window(self, day: date) -> bool:
        """Whether ``day`` lies in the visit window."""
        return self.earliest <= day <= self.latest


def plan_visits(protocol: Protocol, treatment_date: date) -> list[PlannedVisit]:
    """Plan every visit of ``protocol`` for a patient treated on ``treatment_date``.

    A visit without an anchor is placed relative to the treatment date; the others relative to
    their anchor's planned date. Sorted by planned date.

    Examples
    --------
    >>> from hepar.io import load_protocol
    >>> visits = {v.id: v for v in plan_visits(load_protocol(), date(2025, 3, 3))}
    >>> visits["fu-3m"].planned
    datetime.date(2025, 6, 2)
    """
    by_id = {visit.id: visit for visit in protocol.visits}
    planned: dict[str, date] = {}

    def place(visit: Visit) -> date:
        if visit.id not in planned:
            base = treatment_date if visit.anchor is None else place(by_id[visit.anchor])
            planned[visit.id] = base + timedelta(days=visit.offset_days)
        return planned[visit.id]

    schedule = [
        PlannedVisit(
            id=visit.id,
            name=visit.name,
            planned=place(visit),
            earliest=place(visit) - timedelta(days=visit.window_before_days),
            latest=place(visit) + timedelta(days=visit.window_after_days),
        )
        for visit in protocol.visits
    ]
    return sorted(schedule, key=lambda v: (v.planned, v.id))


def visit_deviation_days(visit: PlannedVisit, actual: date) -> int:
    """Days outside the window: 0 inside, negative when early, positive when late."""
    if actual < visit.earliest:
        return (actual - visit.earliest).days
    if actual > visit.latest:
        return (actual - visit.latest).days
    return 0
