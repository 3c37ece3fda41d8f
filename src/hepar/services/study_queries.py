"""Read use cases for an application: patients, a patient's records of one form, a record's
audit history. Reads are scoped like writes: a user of a site sees that site's patients, study-wide
users (monitor, statistician, data manager) all; the key tables only for the roles that may see
identities; a ``patient`` user (ePRO) reads nothing here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hepar.errors import InvalidValueError
from hepar.store import (
    AUDITED_MODELS,
    KEY_READERS,
    KEY_TABLES,
    Actor,
    AuditEntry,
    Patient,
    PatientOwned,
    PermissionDeniedError,
    Role,
    Store,
)

from .study_common import actor_sites, patient_for_write

__all__ = ["list_patients", "patient_records", "record_history"]


def _reader(store: Store, session: Any, user: str) -> Actor:
    actor = store.actor(session, user)
    if actor.role is Role.PATIENT:
        raise PermissionDeniedError(field="role", value=actor.role.value,
                                    expected="a study staff role to read study records")
    return actor


def list_patients(store: Store, user: str) -> list[dict[str, Any]]:
    """The patients ``user`` may see: study ID, site id, status, version."""
    with store.read() as session:
        actor = _reader(store, session, user)
        query = select(Patient).order_by(Patient.study_id)
        sites = actor_sites(session, actor)
        if sites is not None:
            query = query.where(Patient.site_id.in_(sites))
        return [{"study_id": p.study_id, "site_id": p.site_id, "status": p.status,
                 "id": p.id, "version": p.version, "deleted": p.deleted_at is not None}
                for p in session.scalars(query)]


def patient_records(store: Store, user: str, *, study_id: str, table: str,
                    include_deleted: bool = False) -> list[dict[str, Any]]:
    """The records of patient ``study_id`` in ``table`` (column -> value, with ``id`` and the
    ``version`` a correction must quote), oldest first."""
    model = AUDITED_MODELS.get(table)
    if model is None or not issubclass(model, PatientOwned):
        forms = sorted(t for t, m in AUDITED_MODELS.items() if issubclass(m, PatientOwned))
        raise InvalidValueError(field="table", value=table, expected=f"one of {forms}")
    with store.read() as session:
        actor = _reader(store, session, user)
        if table in KEY_TABLES and actor.role not in KEY_READERS:
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected=f"one of {sorted(r.value for r in KEY_READERS)}"
                                                 f" to read {table}")
        patient = patient_for_write(session, actor, study_id)
        columns = model.__table__.c
        query = select(model.__table__).where(columns.patient_id == patient.id)
        if not include_deleted:
            query = query.where(columns.deleted_at.is_(None))
        return [dict(row) for row in session.execute(query.order_by(columns.id)).mappings()]


def record_history(store: Store, user: str, *, table: str, record_id: int
                   ) -> list[dict[str, Any]]:
    """Every audit row of one record, in order (who, when, field, old -> new, reason)."""
    if table not in AUDITED_MODELS:
        raise InvalidValueError(field="table", value=table,
                                expected=f"one of {sorted(AUDITED_MODELS)}")
    with store.read() as session:
        actor = _reader(store, session, user)
        row = session.get(AUDITED_MODELS[table], record_id)
        if row is None:
            raise InvalidValueError(field=f"{table}.id", value=record_id,
                                    expected="the id of a saved record")
        if isinstance(row, PatientOwned):
            patient = session.get_one(Patient, row.patient_id)
            patient_for_write(session, actor, patient.study_id)
        entries = session.execute(select(AuditEntry.__table__).where(
            AuditEntry.table_name == table, AuditEntry.record_id == record_id
        ).order_by(AuditEntry.seq)).mappings()
        return [dict(entry) for entry in entries]
