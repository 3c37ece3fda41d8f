"""Check the audit trail: recompute the hash chain, then replay it against the tables.

The chain check finds an edited, inserted or removed audit row (the first row whose hash, link or
sequence number is wrong). The replay check finds a data row changed behind the audit trail's back:
every field of every record must equal the last value the trail gave it, and its version the
number of audited changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from ._audit import GENESIS_HASH, chain_hash
from ._codec import digest_text, to_text
from ._models import AUDITED_MODELS, AuditEntry, AuditSecret
from ._roles import KEY_TABLES

__all__ = ["AuditReport", "ReplayedRecord", "audit_rows", "replay", "verify_audit"]

_COLUMNS = [c.key for c in AuditEntry.__table__.columns]


@dataclass
class AuditReport:
    """The result of :func:`verify_audit` (the ``hepar audit verify --json`` keys)."""

    ok: bool
    rows: int
    first_broken_row: int | None = None
    record: str | None = None
    problem: str | None = None
    keys_withheld: bool = False

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return asdict(self)


@dataclass
class ReplayedRecord:
    """A record as the audit trail says it is: field -> text, version, last audit row per field."""

    fields: dict[str, str | None] = field(default_factory=dict)
    version: int = 0
    last_row: dict[str, int] = field(default_factory=dict)


def audit_rows(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every audit row in order, as a dict of its columns."""
    result = session.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq))
    for part in result.mappings().partitions(batch):
        yield from (dict(row) for row in part)


def replay(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, int], ReplayedRecord]:
    """The state of every record after the audit ``rows`` (in order)."""
    state: dict[tuple[str, int], ReplayedRecord] = {}
    for row in rows:
        record = state.setdefault((row["table_name"], row["record_id"]), ReplayedRecord())
        record.fields[row["field"]] = row["new_value"]
        record.version = max(record.version, row["record_version"])
        record.last_row[row["field"]] = row["seq"]
    return state


def _check_chain(rows: Iterable[dict[str, Any]], report: AuditReport, keep: list[dict[str, Any]]
                 ) -> None:
    prev = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        report.rows += 1
        keep.append(row)
        if report.first_broken_row is not None:
            continue
        problem = None
        if row["seq"] != expected_seq:
            problem = f"sequence number {row['seq']} where {expected_seq} was expected " \
                      f"(a row was removed or inserted)"
        elif row["prev_hash"] != prev:
            problem = "its link to the previous row is wrong (a row was removed or replaced)"
        elif chain_hash(row, prev) != row["hash"]:
            problem = "its content does not match its hash (the row was edited)"
        if problem:
            report.first_broken_row = row["seq"]
            report.record = f"{row['table_name']}#{row['record_id']}.{row['field']}"
            report.problem = f"audit row {row['seq']}: {problem}"
        prev = row["hash"]


def _key(session: Session) -> bytes | None:
    """The secret key of the key tables' digests (None: a schema without one)."""
    try:
        key_hex = session.execute(select(AuditSecret.key_hex)).scalar()
    except (OperationalError, ProgrammingError):  # a schema before 0005 (PostgreSQL: aborts)
        session.rollback()
        return None
    return None if key_hex is None else bytes.fromhex(key_hex)


def verify_audit(session: Session) -> AuditReport:
    """Recompute the audit chain and compare its replay with the tables.

    Returns
    -------
    AuditReport
        ``ok``; ``rows`` (audit rows read); ``first_broken_row`` (the sequence number of the first
        broken audit row, or of the audit row that a tampered data row contradicts); ``record``
        (``table#id.field``) and ``problem`` (one sentence).
    """
    key = _key(session)  # first: a failed read aborts a PostgreSQL transaction
    report = AuditReport(ok=False, rows=0)
    rows: list[dict[str, Any]] = []
    _check_chain(audit_rows(session), report, rows)
    if report.first_broken_row is not None:
        return report
    state = replay(rows)
    for table, model in AUDITED_MODELS.items():
        columns = [c for c in model.__table__.columns if c.key != "id"]
        seen: set[int] = set()
        for row in session.execute(select(model.__table__)).mappings():
            seen.add(row["id"])
            where = f"{table}#{row['id']}"
            expected = state.get((table, row["id"]))
            if expected is None:
                report.record, report.problem = where, f"{where} is not in the audit trail"
                return report
            for column in columns:
                actual = to_text(row[column.key])
                if column.key == "version":
                    if row["version"] != expected.version:
                        report.record = f"{where}.version"
                        report.problem = (f"{where} has version {row['version']}, the audit "
                                          f"trail {expected.version}")
                        return report
                    continue
                if table in KEY_TABLES:  # the digest of the kind the audit row holds
                    said = expected.fields.get(column.key) or ""
                    actual = digest_text(actual, key if said.startswith("hmac-") else None)
                if actual != expected.fields.get(column.key):
                    report.first_broken_row = expected.last_row.get(column.key)
                    report.record = f"{where}.{column.key}"
                    shown = "(withheld)" if table in KEY_TABLES else repr(actual)
                    said = "(withheld)" if table in KEY_TABLES else \
                        repr(expected.fields.get(column.key))
                    report.problem = (f"{where}.{column.key} is {shown} but the audit trail "
                                      f"says {said}: changed outside the audited path")
                    return report
        missing = [rid for (name, rid) in state if name == table and rid not in seen]
        if missing and table in KEY_TABLES and not seen:  # a keyless copy (an imported ODM)
            report.keys_withheld = True
            continue
        if missing:
            report.record = f"{table}#{min(missing)}"
            report.problem = f"{table}#{min(missing)} is in the audit trail but not in the table " \
                             f"(a hard delete)"
            return report
    report.ok = True
    return report
