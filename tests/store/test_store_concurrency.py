"""Concurrency: 8 writers update one shared record and their own records at the same time.

Each writer reads a record, then saves ``value + 1`` quoting the version it read, for ~3 s (the
benchmark runs the same for 10 s). Zero lost updates: every record's final value is its start
value plus the number of saves that succeeded; every refused save is a ConflictError (no other
error); the audit trail holds one update row per successful save and verifies.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date

from sqlalchemy import func, select, text

from hepar.clinical import LabValue
from hepar.services.study_admin import update_record
from hepar.services.study_records import record_labs
from hepar.store import AuditEntry, ConflictError, Lab, verify_audit
from hepar.store._audit import CHAIN_LOCK_KEY

WRITERS = 8
SECONDS = 3.0


def test_eight_writers_lose_no_update(study):
    study.patient("HEPAR-001")
    saved = record_labs(study.store, "nurse", study_id="HEPAR-001", labs=[
        LabValue(analyte="alt", value=0.0, unit="U/L", sampled_on=date(2026, 1, 6))
        for _ in range(WRITERS + 1)])
    shared, own = saved[0].id, [s.id for s in saved[1:]]
    wins: Counter[int] = Counter()
    conflicts: Counter[int] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def writer(k: int) -> None:
        while time.monotonic() < deadline:
            for record_id in (shared, own[k]):
                with study.store.read() as session:
                    row = session.get(Lab, record_id)
                    version, value = row.version, row.value
                try:
                    update_record(study.store, "nurse", table="labs", record_id=record_id,
                                  expected_version=version, changes={"value": value + 1.0},
                                  reason=f"writer {k}")
                    with lock:
                        wins[record_id] += 1
                except ConflictError as error:
                    assert "expected the current version" in str(error)
                    with lock:
                        conflicts[record_id] += 1
                except BaseException as error:  # anything else fails the test
                    errors.append(error)
                    return

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with study.store.read() as session:
        for record_id in (shared, *own):
            row = session.get(Lab, record_id)
            assert row.value == wins[record_id], record_id  # no update lost
            assert row.version == 1 + wins[record_id]
            updates = session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.table_name == "labs", AuditEntry.record_id == record_id,
                AuditEntry.action == "update"))
            assert updates == wins[record_id]
        report = verify_audit(session)
    assert report.ok, report
    print(f"\n[{study.store.backend}] {WRITERS} writers, {SECONDS:.0f} s: "
          f"{sum(wins.values())} saves ({wins[shared]} on the shared record), "
          f"{sum(conflicts.values())} conflicts reported ({conflicts[shared]} on the shared "
          f"record), 0 lost; audit chain of {report.rows} rows verifies")
    assert wins[shared] > 0 and all(wins[r] > 0 for r in own)


#: hepar.store._audit.CHAIN_LOCK_KEY as pg_locks shows a bigint advisory key (high, low words)
_KEY_WORDS = (CHAIN_LOCK_KEY >> 32, CHAIN_LOCK_KEY & 0xFFFFFFFF)


def _chain_held(store, session=None) -> bool:
    """Whether ``session`` holds the audit chain (PostgreSQL: the advisory lock, looked up for
    its server process, as other test runs may share the server; SQLite: whether anyone holds
    the file's write lock)."""
    if store.backend == "postgresql":
        if session is None:
            return False
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with store.engine.connect() as connection:
            return bool(connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = :pid AND classid = :high AND objid = :low"),
                {"pid": pid, "high": _KEY_WORDS[0], "low": _KEY_WORDS[1]}).scalar())
    import sqlite3

    probe = sqlite3.connect(store.engine.url.database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:  # database is locked
        return True
    finally:
        probe.close()


def test_a_write_holds_the_chain_from_its_start_or_from_its_first_flush(study):
    study.patient("HEPAR-001")
    assert not _chain_held(study.store)
    with study.store.write("nurse") as session:
        assert _chain_held(study.store, session)  # taken with the user, in one round trip
    assert not _chain_held(study.store)
    with study.store.write("nurse", chain_at_start=False) as session:
        # PostgreSQL: not yet (other writers go on); SQLite: BEGIN IMMEDIATE holds the file
        assert _chain_held(study.store, session) == (study.store.backend == "sqlite")
        session.add(Lab(patient_id=1, analyte="alt", value=1.0, unit="U/L"))
        session.flush()
        assert _chain_held(study.store, session)
    assert not _chain_held(study.store)
    with study.store.read() as session:
        assert verify_audit(session).ok
