"""Audited writes against plain unaudited inserts of the same rows, on SQLite and PostgreSQL.

The audited path is the use case a site's staff calls (``record_labs``: one lab value per
transaction, as a user saves a form: role and site checks, consent-date check, one audit row per
field, hash chain). The reference inserts the same row with a plain SQLAlchemy Core INSERT, also
one transaction each, into the same table. Then 8 writers update one shared and their own
records for 10 s (counts of saves and conflicts; zero lost updates is checked).

PostgreSQL: ``HEPAR_TEST_POSTGRESQL_URL`` (``make benchmarks`` sets it up like ``make test``);
without it the PostgreSQL part is skipped and says why. Last line: the audit's cost as a ratio.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.orm import sessionmaker

from hepar.clinical import LabValue
from hepar.services.study_admin import add_site, add_user, initialise_study, update_record
from hepar.services.study_records import record_consent, record_labs, register_patient
from hepar.store import ConflictError, Lab, Store, upgrade, verify_audit

WRITES = 300
ROUNDS = 10
CONCURRENCY_S = 10.0
WRITERS = 8
LAB = LabValue(analyte="alt", value=31.0, unit="U/L", uln=45.0, sampled_on=date(2026, 1, 6))


def _study(url: str) -> Store:
    store = Store(url)
    upgrade(store.engine)
    initialise_study(store, name="bench", protocol="registry", data_manager="dm",
                     full_name="dm")
    add_site(store, "dm", code="S", name="site")
    add_user(store, "dm", username="nurse", full_name="nurse", role="research_nurse",
             site_code="S")
    register_patient(store, "nurse", study_id="P1", site_code="S", identifier="mrn")
    record_consent(store, "nurse", study_id="P1", consented_on=date(2026, 1, 1),
                   form_version="1")
    return store


def _rates(store: Store, reference: Store) -> tuple[float, float, float]:
    """Writes/s: audited use case; plain ORM insert; plain Core insert (the last two into the
    ``reference`` database: same schema and engine settings, no audit events). The three are
    interleaved in rounds so that a change in the machine's load hits them alike."""
    row = {"patient_id": 1, "analyte": "alt", "value": 31.0, "unit": "U/L", "uln": 45.0,
           "sampled_on": date(2026, 1, 6)}
    plain_sessions = sessionmaker(reference.engine)  # no audit events installed

    def audited() -> None:
        record_labs(store, "nurse", study_id="P1", labs=[LAB])

    def orm() -> None:
        with plain_sessions.begin() as session:
            session.add(Lab(**row))

    def core() -> None:
        with reference.engine.begin() as connection:
            connection.execute(insert(Lab.__table__), {**row, "version": 1})

    spent = [0.0, 0.0, 0.0]
    for _ in range(ROUNDS):
        for index, write in enumerate((audited, orm, core)):
            start = time.perf_counter()
            for _ in range(WRITES // ROUNDS):
                write()
            spent[index] += time.perf_counter() - start
    n = ROUNDS * (WRITES // ROUNDS)
    return n / spent[0], n / spent[1], n / spent[2]


def _statements(store: Store, reference: Store) -> str:
    """SQL statements sent per write (round trips, but for BEGIN, COMMIT and the pool's ping,
    which both paths send): the load-independent part of the audit's cost."""
    counted: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counted.append(statement)

    plain_sessions = sessionmaker(reference.engine)
    out = []
    for name, engine, write in [
        ("audited", store.engine, lambda: record_labs(store, "nurse", study_id="P1", labs=[LAB])),
        ("plain ORM", reference.engine, lambda: _orm_insert(plain_sessions)),
    ]:
        event.listen(engine, "before_cursor_execute", count)
        try:
            counted.clear()
            write()
            out.append(f"{name} {len([s for s in counted if not s.startswith('BEGIN')])}")
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return "statements per write: " + ", ".join(out)


def _orm_insert(plain_sessions: sessionmaker[Any]) -> None:
    with plain_sessions.begin() as session:
        session.add(Lab(patient_id=1, analyte="alt", value=31.0, unit="U/L", uln=45.0,
                        sampled_on=date(2026, 1, 6)))


def _concurrency(store: Store) -> str:
    [shared, *own] = [s.id for s in record_labs(store, "nurse", study_id="P1",
                                                labs=[LAB] * (WRITERS + 1))]
    wins: Counter[int] = Counter()
    conflicts = Counter[int]()
    errors: list[BaseException] = []
    lock = threading.Lock()
    deadline = time.monotonic() + CONCURRENCY_S

    def writer(k: int) -> None:
        while time.monotonic() < deadline:
            for record_id in (shared, own[k]):
                with store.read() as session:
                    row = session.get(Lab, record_id)
                    version, value = row.version, row.value
                try:
                    update_record(store, "nurse", table="labs", record_id=record_id,
                                  expected_version=version, changes={"value": value + 1.0},
                                  reason="bench")
                    with lock:
                        wins[record_id] += 1
                except ConflictError:
                    with lock:
                        conflicts[record_id] += 1
                except BaseException as error:
                    errors.append(error)
                    return

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.read() as session:
        lost = sum(session.get(Lab, r).value - LAB.value != wins[r] for r in (shared, *own))
        chain = verify_audit(session)
    return (f"{WRITERS} writers {CONCURRENCY_S:.0f} s: {sum(wins.values())} saves "
            f"({wins[shared]} on the shared record), {sum(conflicts.values())} conflicts, "
            f"{lost} records with lost updates, {len(errors)} other errors, "
            f"audit chain {'verifies' if chain.ok else 'BROKEN'} ({chain.rows} rows)")


def main() -> None:
    ratios: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", [f"sqlite:///{Path(folder) / f'{n}.db'}" for n in ("a", "b")],
                    None, [])]
        pg = os.environ.get("HEPAR_TEST_POSTGRESQL_URL")
        if pg:
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
            with admin.connect() as connection:
                for schema in schemas:
                    connection.execute(text(f"CREATE SCHEMA {schema}"))
            targets.append(("PostgreSQL", [f"{pg}?options={quote(f'-csearch_path={s}')}"
                                           for s in schemas], admin, schemas))
        else:
            print("PostgreSQL skipped: HEPAR_TEST_POSTGRESQL_URL is not set "
                  "(make benchmarks sets it: tests/store/pg_server.sh)")
        for name, (url, reference_url), admin, schemas in targets:
            store, reference = _study(url), _study(reference_url)
            try:
                audited, orm, core = _rates(store, reference)
                ratios[name] = (orm / audited, core / audited)
                print(f"{name}: audited use case {audited:.0f} writes/s; plain ORM insert "
                      f"{orm:.0f}/s; plain Core insert {core:.0f}/s ({WRITES} single-row "
                      f"transactions each)")
                print(f"{name}: {_statements(store, reference)}")
                print(f"{name}: {_concurrency(store)}")
            finally:
                store.dispose()
                reference.dispose()
                if admin is not None:
                    with admin.connect() as connection:
                        for schema in schemas:
                            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                    admin.dispose()
    print("audit cost, plain ORM inserts/s over audited writes/s (target < 3x): " +
          ", ".join(f"{name} {orm:.2f}x (vs Core INSERT {core:.1f}x)"
                    for name, (orm, core) in ratios.items()))


if __name__ == "__main__":
    main()
