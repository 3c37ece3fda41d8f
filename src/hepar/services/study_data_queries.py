"""Use cases of data queries: a monitor asks about a saved record, the site answers, the monitor
closes the query (or re-opens it with a new question).

A query's life: ``open`` -> ``answered`` -> ``closed``, or ``answered`` -> ``open`` again; every
step is an audited change of the query's row, quoting the version read (a stale step is a
:class:`hepar.store.ConflictError`). Only monitors raise and close; only the site's investigators
and research nurses answer. A query of another site's patient answers as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hepar.errors import InvalidValueError
from hepar.store import (
    AUDITED_MODELS,
    Actor,
    DataQuery,
    Patient,
    PatientOwned,
    PermissionDeniedError,
    Role,
    Store,
    conflict_error,
)

from .study_common import SavedRecord, actor_sites, patient_for_write, saved

__all__ = ["QUERY_STATUSES", "QueryView", "answer_query", "close_query", "list_queries",
           "raise_query"]

QUERY_STATUSES = ("open", "answered", "closed")
_ANSWERERS = frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE})


@dataclass(frozen=True)
class QueryView:
    """One data query as the pages and the API show it."""

    id: int
    version: int
    study_id: str
    table_name: str
    record_id: int
    field: str | None
    question: str
    status: str
    raised_by: str
    raised_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None


def _view(query: DataQuery, study_id: str) -> QueryView:
    return QueryView(query.id, query.version, study_id, query.table_name, query.record_id,
                     query.field, query.question, query.status, query.raised_by,
                     query.raised_at, query.answer, query.answered_by, query.answered_at,
                     query.closed_by, query.closed_at)


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDeniedError(field="role", value=actor.role.value,
                                    expected=f"one of {sorted(r.value for r in roles)} to {what}")


def raise_query(store: Store, user: str, *, study_id: str, table: str, record_id: int,
                question: str, now: datetime, field: str | None = None) -> SavedRecord:
    """Raise a query on the saved record ``table#record_id`` of patient ``study_id`` (monitor)."""
    if not question.strip():
        raise InvalidValueError(field="question", value=question, expected="the question asked")
    model = AUDITED_MODELS.get(table)
    if model is None or not (issubclass(model, PatientOwned) or model is Patient):
        raise InvalidValueError(field="table", value=table,
                                expected="the table of a patient's record, e.g. labs")
    if field is not None and field not in model.__table__.columns:
        raise InvalidValueError(field="field", value=field,
                                expected=f"a column of {table} (or none)")
    with store.write(user) as session:
        actor: Actor = session.info["actor"]
        _require(actor, frozenset({Role.MONITOR}), "raise a data query")
        patient = patient_for_write(session, actor, study_id)
        row = session.get(model, record_id)
        owner = getattr(row, "patient_id", None) if model is not Patient else getattr(row, "id",
                                                                                        None)
        if row is None or owner != patient.id:
            raise InvalidValueError(field=f"{table}.id", value=record_id,
                                    expected=f"the id of a saved record of {study_id}")
        query = DataQuery(patient_id=patient.id, table_name=table, record_id=record_id,
                          field=field, question=question.strip(), status="open",
                          raised_by=actor.username, raised_at=now)
        session.add(query)
        session.flush()
        return saved(query)


def _load(session: Any, actor: Actor, query_id: int, expected_version: int) -> DataQuery:
    query = session.get(DataQuery, query_id)
    patient = None if query is None else session.get(Patient, query.patient_id)
    sites = actor_sites(session, actor)
    if query is None or query.deleted_at is not None or patient is None or \
            (sites is not None and patient.site_id not in sites):
        raise InvalidValueError(field="query", value=query_id,
                                expected="the id of a data query of your site's patients")
    if query.version != expected_version:
        raise conflict_error("data_queries", query_id, expected_version, query.version)
    return query


def answer_query(store: Store, user: str, *, query_id: int, expected_version: int,
                 answer: str, now: datetime) -> SavedRecord:
    """Answer an open query (the site's investigator or research nurse)."""
    if not answer.strip():
        raise InvalidValueError(field="answer", value=answer, expected="the site's answer")
    with store.write(user, reason=f"answer to data query #{query_id}") as session:
        actor: Actor = session.info["actor"]
        _require(actor, _ANSWERERS, "answer a data query")
        query = _load(session, actor, query_id, expected_version)
        if query.status != "open":
            raise InvalidValueError(field="query.status", value=query.status,
                                    expected="an open query to answer")
        query.answer, query.answered_by, query.answered_at = answer.strip(), actor.username, now
        query.status = "answered"
        session.flush()
        return saved(query)


def close_query(store: Store, user: str, *, query_id: int, expected_version: int,
                now: datetime, reopen_with: str | None = None) -> SavedRecord:
    """Close an answered query (monitor); with ``reopen_with``, open it again with that new
    question instead."""
    reason = (f"data query #{query_id} re-opened" if reopen_with
              else f"data query #{query_id} closed")
    with store.write(user, reason=reason) as session:
        actor: Actor = session.info["actor"]
        _require(actor, frozenset({Role.MONITOR}), "close a data query")
        query = _load(session, actor, query_id, expected_version)
        if query.status != "answered":
            raise InvalidValueError(field="query.status", value=query.status,
                                    expected="an answered query to close or re-open")
        if reopen_with:
            query.status, query.question = "open", reopen_with.strip()
        else:
            query.status, query.closed_by, query.closed_at = "closed", actor.username, now
        session.flush()
        return saved(query)


def list_queries(store: Store, user: str, *, status: str | None = None,
                 study_id: str | None = None) -> list[QueryView]:
    """The data queries of the patients ``user`` may see (of one status, of one patient)."""
    if status is not None and status not in QUERY_STATUSES:
        raise InvalidValueError(field="status", value=status,
                                expected=f"one of {list(QUERY_STATUSES)}")
    with store.read() as session:
        actor = store.actor(session, user)
        if actor.role is Role.PATIENT:
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected="a study staff role to read data queries")
        query = (select(DataQuery, Patient.study_id)
                 .join(Patient, Patient.id == DataQuery.patient_id)
                 .where(DataQuery.deleted_at.is_(None), Patient.deleted_at.is_(None))
                 .order_by(DataQuery.raised_at, DataQuery.id))
        sites = actor_sites(session, actor)
        if sites is not None:
            query = query.where(Patient.site_id.in_(sites))
        if status is not None:
            query = query.where(DataQuery.status == status)
        if study_id is not None:
            query = query.where(Patient.study_id == study_id)
        return [_view(row, sid) for row, sid in session.execute(query)]
