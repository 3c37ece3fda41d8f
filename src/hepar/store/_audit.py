"""The audit trail: an append-only, hash-chained row for every inserted, updated or deleted field.

Installed as SQLAlchemy session events, so that no write through the ORM escapes it:

* ``before_flush`` refuses a write without a user, by a role that may not write the table, without
  a reason when a saved record changes, to a locked study, and every hard delete (clinical data is
  soft-deleted: ``deleted_at`` is set, with a reason). Before the transaction's first write it
  takes the chain (PostgreSQL: an advisory lock) and reads the chain head and the study lock in
  the same round trip.
* ``after_flush`` writes one audit row per changed field, in one executemany, chained:

  .. math:: h_n = \\mathrm{SHA256}(\\mathrm{json}(n, t_n, \\text{who}, \\text{role}, \\text{table},
            \\text{record}, \\text{version}, \\text{field}, \\text{action}, \\text{old},
            \\text{new}, \\text{reason}, h_{n-1})),\\qquad h_0 = 0^{64}

  so that changing, inserting or removing any row breaks the chain from that row on
  (:func:`hepar.store.verify_audit` recomputes it). Values are the canonical text of
  :mod:`._codec`; those of the key tables are kept as HMAC-SHA256 digests only, under the
  database's secret key (:class:`AuditSecret`), so that an exported audit trail cannot be
  reversed by trying every birth date or hospital number.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from ._codec import digest_text, to_text
from ._errors import (
    AuditError,
    PermissionDeniedError,
    ReasonRequiredError,
    StoreError,
    StudyLockedError,
)
from ._models import AUDITED_MODELS, Audited, AuditEntry, Study
from ._roles import KEY_TABLES, WRITERS, Role

__all__ = ["CHAIN_LOCK_KEY", "GENESIS_HASH", "Actor", "audit_key", "chain_hash", "hold_chain",
           "install_audit"]

GENESIS_HASH = "0" * 64
#: Any fixed 64-bit key: the PostgreSQL advisory lock that serialises appends to the chain.
#: (Quoted by migration 0005's ``hepar_audit_chain_head()``, which takes it.)
CHAIN_LOCK_KEY = 0x48455041520001
_SKIP = frozenset({"id", "version"})


@dataclass(frozen=True)
class Actor:
    """Who writes: a user name, a role and the site the user belongs to (None: every site)."""

    username: str
    role: Role
    site_id: int | None = None


def chain_hash(row: dict[str, Any], prev_hash: str) -> str:
    """The hash of an audit row (a dict of :class:`AuditEntry` columns) after ``prev_hash``."""
    at = row["at"]
    payload = [row["seq"], at if isinstance(at, str) else to_text(at), row["actor"], row["role"],
               row["table_name"], row["record_id"], row["record_version"], row["field"],
               row["action"], row["old_value"], row["new_value"], row["reason"], prev_hash]
    blob = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _audited(objects: Any) -> list[Audited]:
    return [obj for obj in objects if isinstance(obj, Audited)]


def _actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if not isinstance(actor, Actor):
        raise PermissionDeniedError(field="user", value=None,
                                    expected="a named user for every write (Store.write(user))")
    return actor


#: Take the chain, then read the study lock, the chain head and (optionally) the writing user.
#: PostgreSQL: migration 0005's function takes the advisory lock and reads with a snapshot taken
#: after it was granted (one round trip). SQLite: ``BEGIN IMMEDIATE`` (:mod:`._engine`) has held
#: the file's write lock since the transaction began.
_USER = ("u.username AS username, u.role AS role, u.site_id AS site_id, u.active AS active, "
         "u.deleted_at AS deleted_at")
_HOLD = {
    "postgresql": text(
        "SELECT h.study_locked AS study_locked, h.chain_seq AS seq, h.chain_hash AS hash, "
        f"{_USER} FROM hepar_audit_chain_head() AS h "
        "LEFT JOIN users AS u ON u.username = :username"),
    "sqlite": text(
        "SELECT (SELECT locked FROM study ORDER BY id LIMIT 1) AS study_locked, "
        "(SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1) AS seq, "
        "(SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS hash, "
        f"{_USER} FROM (SELECT 1) AS h LEFT JOIN users AS u ON u.username = :username"),
}
_SECRET = text("SELECT key_hex FROM audit_secret WHERE id = 1")
_INSERT_AUDIT = insert(cast("Table", AuditEntry.__table__))


def hold_chain(session: Session, username: str | None = None) -> Any:
    """Take the audit chain for the rest of ``session``'s transaction, in one round trip.

    Reads the study lock and the chain head (kept in ``session.info`` until the transaction ends:
    while the chain is held nobody else can append to it or lock the study, that being an
    audited write too; this transaction's own changes to either are applied there by
    :func:`_after_flush`) and the row of the user ``username``.

    Returns
    -------
    sqlalchemy.Row
        ``username``, ``role``, ``site_id``, ``active``, ``deleted_at`` of the user (all None
        when there is no such user).
    """
    statement = _HOLD["postgresql" if session.get_bind().dialect.name == "postgresql"
                      else "sqlite"]
    try:
        with session.no_autoflush:
            row = session.execute(statement, {"username": username}).one()
    except ProgrammingError:  # PostgreSQL without migration 0005's function
        raise StoreError(field="database schema", value="older than this hepar",
                         expected="a schema at the newest revision (hepar db upgrade)") from None
    session.info["chain_head"] = (row.seq, row.hash) if row.seq is not None else (0, GENESIS_HASH)
    session.info["study_locked"] = bool(row.study_locked)
    return row


def audit_key(session: Session) -> bytes:
    """The database's secret key of the key tables' digests (:class:`AuditSecret`), read once
    per transaction (only transactions that write a key table need it)."""
    key = session.info.get("audit_key")
    if key is None:
        try:
            with session.no_autoflush:
                key_hex = session.execute(_SECRET).scalar()
        except (OperationalError, ProgrammingError):  # no such table: a schema before 0005
            key_hex = None
        if key_hex is None:
            raise StoreError(field="database schema", value="without audit_secret",
                             expected="a schema at the newest revision (hepar db upgrade)")
        key = session.info["audit_key"] = bytes.fromhex(key_hex)
    return key


def _lock_and_read_head(session: Session, dirty: list[Audited]) -> None:
    """Hold the chain (if this transaction does not yet); refuse a write to a locked study."""
    if "chain_head" not in session.info:
        hold_chain(session)
    if not session.info["study_locked"]:
        return
    unlocking = (len(dirty) == 1 and isinstance(dirty[0], Study)
                 and not session.new and dirty[0].locked is False)
    if not unlocking:
        raise StudyLockedError(field="study", value="locked",
                               expected="an unlocked study for any write (unlock it first, "
                                        "with a reason: hepar.services.study_admin.unlock_study)")


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get("importing"):
        return
    new, deleted = _audited(session.new), _audited(session.deleted)
    dirty = [obj for obj in _audited(session.dirty) if session.is_modified(obj)]
    if not (new or dirty or deleted):
        return
    if session.info.get("read_only"):
        raise StoreError(field="session", value="read-only",
                         expected="a write session (Store.write) for any change")
    actor = _actor(session)
    if deleted:
        raise StoreError(field=f"{deleted[0].__tablename__} record", value=deleted[0].id,
                         expected="a soft delete (deleted_at with a reason): study data is "
                                  "never hard-deleted")
    for obj in (*new, *dirty):
        table = obj.__tablename__
        if actor.role not in WRITERS.get(table, frozenset()):
            allowed = sorted(r.value for r in WRITERS.get(table, frozenset()))
            raise PermissionDeniedError(field="role", value=actor.role.value,
                                        expected=f"one of {allowed} to write {table}")
    reason = session.info.get("reason")
    if dirty and not (isinstance(reason, str) and reason.strip()):
        obj = dirty[0]
        raise ReasonRequiredError(field="reason", value=reason,
                                  expected=f"a reason for changing saved record "
                                           f"{obj.__tablename__}#{obj.id}")
    _lock_and_read_head(session, dirty)
    session.info.setdefault("touched", []).extend(
        (type(obj), obj.id, obj.version) for obj in dirty)


def _changes(session: Session, obj: Audited, inserted: bool) -> list[tuple[str, Any, Any]]:
    state = inspect(obj)
    out = []
    for column in obj.__table__.columns:
        if column.key in _SKIP:
            continue
        history = state.attrs[column.key].history
        if inserted:
            value = getattr(obj, column.key)
            if value is not None:
                out.append((column.key, None, value))
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if to_text(old) != to_text(new):
                out.append((column.key, old, new))
    return out


def _after_flush(session: Session, flush_context: Any) -> None:
    if session.info.get("importing"):
        return
    order = {name: index for index, name in enumerate(AUDITED_MODELS)}
    new = sorted(_audited(session.new), key=lambda o: (order[o.__tablename__], o.id))
    dirty = sorted((o for o in _audited(session.dirty) if session.is_modified(o)),
                   key=lambda o: (order[o.__tablename__], o.id))
    if not (new or dirty):
        return
    actor = _actor(session)
    reason = session.info.get("reason") or None
    at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for obj, inserted in [(o, True) for o in new] + [(o, False) for o in dirty]:
        table = obj.__tablename__
        keyed = table in KEY_TABLES
        for field, old, value in _changes(session, obj, inserted):
            old_text, new_text = to_text(old), to_text(value)
            if keyed:
                key = audit_key(session)
                old_text, new_text = digest_text(old_text, key), digest_text(new_text, key)
            action = "insert" if inserted else (
                "delete" if field == "deleted_at" and value is not None else "update")
            rows.append({"at": at, "actor": actor.username, "role": actor.role.value,
                         "table_name": table, "record_id": obj.id,
                         "record_version": obj.version, "field": field, "action": action,
                         "old_value": old_text, "new_value": new_text,
                         "reason": None if inserted else reason})
    if not rows:
        return
    if "chain_head" not in session.info:  # a flush that before_flush saw nothing in
        _lock_and_read_head(session, dirty)
    seq, prev = session.info["chain_head"]
    for row in rows:
        seq += 1
        row["seq"] = seq
        row["prev_hash"] = prev
        row["hash"] = prev = chain_hash(row, prev)
    try:  # one executemany of plain Core rows (no ORM bulk machinery, no RETURNING)
        session.connection().execute(_INSERT_AUDIT, rows)
    except Exception as error:  # the chain head moved under us: refuse rather than fork
        raise AuditError(field="audit_log", value=f"row {rows[0]['seq']}",
                         expected=f"the next row of the chain ({type(error).__name__})") from error
    session.info["chain_head"] = (seq, prev)
    for row in rows:  # this transaction's own lock or unlock of the study
        if row["table_name"] == "study" and row["field"] == "locked":
            session.info["study_locked"] = row["new_value"] == to_text(True)


def _after_end(session: Session, *args: Any) -> None:
    session.info.pop("chain_head", None)
    session.info.pop("study_locked", None)
    session.info.pop("audit_key", None)


def install_audit(session_class: Any) -> None:
    """Attach the audit events to ``session_class`` (a sessionmaker or Session subclass)."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "after_commit", _after_end)
    event.listen(session_class, "after_rollback", _after_end)
