"""Schema: the shipped migration builds exactly the models' schema; ``hepar db upgrade`` is
idempotent. Virtual patients load through the audited use cases (``hepar db load-virtual``)."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from hepar.cli import main
from hepar.clinical import evaluate_eligibility
from hepar.io import load_protocol
from hepar.phantoms import cohort_plan
from hepar.store import (
    AuditEntry,
    Base,
    Patient,
    Screening,
    Store,
    StoreError,
    current_revision,
    head_revision,
    upgrade,
    verify_audit,
)


def test_migration_matches_the_models(store):
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert upgrade(store.engine) == head_revision()  # a second upgrade changes nothing


def test_cli_upgrade_creates_the_database(store_url, capsys):
    assert main(["db", "upgrade", "--database", store_url]) == 0
    assert f"schema at revision {head_revision()}" in capsys.readouterr().out


def test_commands_on_a_database_without_schema_say_what_to_do(store_url, capsys):
    assert main(["audit", "verify", "--database", store_url]) == 2
    # a missing SQLite file is refused before it is opened (--database: "an existing study
    # database"); a PostgreSQL database without the schema after connecting (database: "a study
    # database")
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "database = " in error and error.count("\n") == 1
    assert "study database (create it: hepar db upgrade" in error


def test_load_virtual_goes_through_the_audited_path(store_url, capsys):
    assert main(["db", "load-virtual", "--patients", "1", "--json", "--database", store_url]) == 0
    report = json.loads(capsys.readouterr().out)
    plan = cohort_plan(1, seed=0)
    assert report["enrolled"] == 1 and report["screen_failures"] == len(plan) - 1
    store = Store(store_url)
    try:
        with store.read() as session:
            assert verify_audit(session).ok
            patients = {p.study_id: p for p in session.scalars(select(Patient))}
            assert set(patients) == {m.patient_id for m in plan}
            audited = set(session.scalars(select(AuditEntry.table_name).distinct()))
            assert {"labs", "qol_answers", "recist_measurements", "attestations",
                    "administrations", "visits", "lutetium_cycles"} <= audited
            actors = set(session.scalars(select(AuditEntry.actor).distinct()))
            assert {"virtual.nurse", "virtual.radiologist", "virtual.physicist"} <= actors
            verdicts = dict(session.execute(select(Patient.study_id, Screening.eligible).join(
                Screening, Screening.patient_id == Patient.id)).all())
            rows = session.scalar(select(func.count()).select_from(AuditEntry))
        # the stored verdict is the clinical engine's
        from hepar.phantoms import screen_failure_candidate

        failure = next(m for m in plan if m.fails)
        expected = evaluate_eligibility(screen_failure_candidate(failure),
                                        load_protocol("registry")).eligible
        assert verdicts[failure.patient_id] == str(expected).lower()
        assert verdicts[next(m for m in plan if not m.fails).patient_id] == "true"
        # a second run adds nothing
        assert main(["db", "load-virtual", "--patients", "1", "--json",
                     "--database", store_url]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["skipped"] == len(plan) and again["audit_rows"] == rows
    finally:
        store.dispose()


def _has_chain_function(store: Store) -> bool:
    if store.backend != "postgresql":
        return False
    with store.engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname = 'hepar_audit_chain_head' "
            "AND pronamespace = current_schema()::regnamespace")).scalar())


def test_migration_0005_downgrades_and_upgrades_again(store):
    """0005 (the chain head in one round trip, the digests' secret) goes down to 0002 and up
    again, and the audited path works at the head afterwards."""
    from alembic import command

    from hepar.services.study_admin import initialise_study
    from hepar.store._migrate import alembic_config

    assert _has_chain_function(store) == (store.backend == "postgresql")
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert current_revision(store.engine) == "0002"
    assert not _has_chain_function(store)
    assert "audit_secret" not in inspect(store.engine).get_table_names()
    if store.backend == "postgresql":  # a write needs the function: says to upgrade
        with pytest.raises(StoreError, match=r"expected a schema at the newest revision "
                                             r"\(hepar db upgrade\)"):
            initialise_study(store, name="S", protocol="registry", data_manager="dm",
                             full_name="dm")
    assert upgrade(store.engine) == head_revision()
    assert _has_chain_function(store) == (store.backend == "postgresql")
    with store.engine.connect() as connection:  # a new 256-bit key
        assert len(connection.execute(text("SELECT key_hex FROM audit_secret")).scalar_one()) == 64
    initialise_study(store, name="S", protocol="registry", data_manager="dm", full_name="dm")
    with store.read() as session:
        assert verify_audit(session).ok
