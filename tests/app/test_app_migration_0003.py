"""Migration 0003 (users of several sites, the patient's language, data queries, patients' own
sign-in): a database written at revision 0002 is upgraded with each user's site as their first
membership, still verifies (the memberships are in the audit trail), and downgrades again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import inspect, select, text

from hepar.store import (
    Actor,
    Consent,
    Patient,
    Role,
    Site,
    Store,
    Study,
    User,
    UserSite,
    head_revision,
    upgrade,
    verify_audit,
)
from hepar.store._migrate import alembic_config


def _downgrade(store: Store, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_upgrade_from_0002_keeps_sites_and_the_audit_trail(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'hepar.db'}")
    assert upgrade(store.engine, "0002") == "0002"
    # what a 0002 database holds: users with one site each (or none: study-wide), audited
    with store.write(Actor("dm", Role.DATA_MANAGER)) as session:
        session.add(Study(name="HEPAR PLUS", protocol="registry", locked=False))
        session.add_all([Site(code="A", name="hospital A"), Site(code="B", name="hospital B")])
        session.flush()
        session.add_all([User(username="dm", full_name="dm", role="data_manager", site_id=None,
                              active=True),
                         User(username="nurse.a", full_name="n", role="research_nurse",
                              site_id=1, active=True),
                         User(username="nurse.b", full_name="n", role="research_nurse",
                              site_id=2, active=True)])
    assert upgrade(store.engine) == head_revision()
    with store.read() as session:
        memberships = {(u, s) for u, s in session.execute(
            select(User.username, Site.code).join(UserSite, UserSite.user_id == User.id)
            .join(Site, Site.id == UserSite.site_id))}
        assert memberships == {("nurse.a", "A"), ("nurse.b", "B")}  # study-wide dm: none
        report = verify_audit(session)
        assert report.ok, report.problem
        migrated = session.execute(text(
            "SELECT count(*) FROM audit_log WHERE actor = 'migration 0003'")).scalar_one()
        assert migrated == 4  # two memberships, two fields each
    columns = {c["name"] for c in inspect(store.engine).get_columns("patients")}
    assert "language" in columns
    assert {"data_queries", "patient_accounts", "user_sites"} <= set(
        inspect(store.engine).get_table_names())

    with store.write("nurse.a") as session:  # a patient with a record that refers to them
        patient = Patient(study_id="HP-A-1", site_id=1, status="registered", language="nl")
        session.add(patient)
        session.flush()
        session.add(Consent(patient_id=patient.id, consented_on=date(2025, 1, 6),
                            form_version="1.0"))

    _downgrade(store, "0002")
    inspector = inspect(store.engine)
    assert "language" not in {c["name"] for c in inspector.get_columns("patients")}
    assert not {"data_queries", "patient_accounts", "user_sites"} & set(
        inspector.get_table_names())
    with store.engine.connect() as connection:  # the home sites are where they were
        assert dict(connection.execute(text(
            "SELECT username, site_id FROM users ORDER BY id")).all()) == \
            {"dm": None, "nurse.a": 1, "nurse.b": 2}
        assert connection.execute(text("SELECT count(*) FROM consents")).scalar_one() == 1
    assert upgrade(store.engine) == head_revision()  # and up again
    store.dispose()
