"""Use case: the dashboard of a site — patients by status, visits due and overdue by their
protocol windows, serious adverse events whose initial report is overdue (24 h rule), and the
data queries not closed yet (open: waiting for the site; answered: waiting for the monitor).

The windows and SAE deadlines are the ones saved with the records
(:func:`hepar.clinical.plan_visits` placed the windows, :func:`hepar.clinical.sae_report_status`
the deadlines); this reads them against today.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from hepar.store import (
    AdverseEventRow,
    DataQuery,
    Patient,
    PermissionDeniedError,
    Role,
    SaeReport,
    Store,
    VisitRow,
)

from .web_auth import WebUser

__all__ = ["Dashboard", "dashboard"]


@dataclass
class Dashboard:
    """What the dashboard shows (API: ``GET /api/dashboard``)."""

    today: date
    patients_by_status: dict[str, int] = field(default_factory=dict)
    visits_due: list[dict[str, Any]] = field(default_factory=list)
    visits_overdue: list[dict[str, Any]] = field(default_factory=list)
    sae_reports_overdue: list[dict[str, Any]] = field(default_factory=list)
    open_queries: list[dict[str, Any]] = field(default_factory=list)


def dashboard(store: Store, user: WebUser, *, now: datetime) -> Dashboard:
    """The dashboard of ``user``'s site (every site for a study-wide user) at ``now`` (aware)."""
    if user.role is Role.PATIENT:
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected="a study staff role to read the dashboard")
    today = now.date()
    out = Dashboard(today)
    scope: list[ColumnElement[bool]] = [Patient.deleted_at.is_(None)]
    if user.site_ids is not None:
        scope.append(Patient.site_id.in_(user.site_ids))
    with store.read() as session:
        out.patients_by_status = dict(sorted(Counter(
            session.scalars(select(Patient.status).where(*scope))).items()))
        visits = session.execute(
            select(VisitRow, Patient.study_id).join(Patient, Patient.id == VisitRow.patient_id)
            .where(*scope, VisitRow.deleted_at.is_(None), VisitRow.performed_on.is_(None),
                   VisitRow.earliest_on <= today)
            .order_by(VisitRow.latest_on, Patient.study_id))
        for visit, study_id in visits:
            line = {"study_id": study_id, "visit_code": visit.visit_code,
                    "planned_on": visit.planned_on, "earliest_on": visit.earliest_on,
                    "latest_on": visit.latest_on}
            (out.visits_overdue if visit.latest_on < today else out.visits_due).append(line)
        reports = session.execute(
            select(SaeReport, AdverseEventRow, Patient.study_id)
            .join(AdverseEventRow, AdverseEventRow.id == SaeReport.adverse_event_id)
            .join(Patient, Patient.id == SaeReport.patient_id)
            .where(*scope, SaeReport.deleted_at.is_(None)).order_by(SaeReport.deadline_at))
        for report, event, study_id in reports:
            late = (report.reported_at > report.deadline_at if report.reported_at is not None
                    else now > report.deadline_at)
            if late:
                out.sae_reports_overdue.append({
                    "study_id": study_id, "ae_code": event.ae_code, "term": event.term,
                    "grade": event.grade, "awareness_at": report.awareness_at,
                    "deadline_at": report.deadline_at, "reported_at": report.reported_at})
        queries = session.execute(
            select(DataQuery, Patient.study_id).join(Patient, Patient.id == DataQuery.patient_id)
            .where(*scope, DataQuery.deleted_at.is_(None), DataQuery.status != "closed")
            .order_by(DataQuery.raised_at, DataQuery.id))
        out.open_queries = [{"id": q.id, "version": q.version, "study_id": study_id,
                             "record": f"{q.table_name}#{q.record_id}", "field": q.field,
                             "question": q.question, "status": q.status,
                             "raised_by": q.raised_by, "raised_at": q.raised_at,
                             "answer": q.answer}
                            for q, study_id in queries]
    return out
