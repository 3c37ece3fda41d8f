"""A study database with two sites and a user of every role, and virtual patients' records
(:mod:`hepar.phantoms`: no patient data), for the web application's tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hepar.app import create_app
from hepar.phantoms import (
    cohort_plan,
    generate_clinical_record,
    generate_virtual_patient,
    screen_failure_candidate,
)
from hepar.services.study_admin import add_site, add_user, initialise_study
from hepar.services.web_auth import LoginThrottle, set_password
from hepar.store import Role, Store, upgrade

PASSWORD = "correct horse battery"
#: user name -> (role, site codes (the first the home site) or None: study-wide)
USERS: dict[str, tuple[str, list[str] | None]] = {
    "nurse.a": ("research_nurse", ["A"]),
    "investigator.a": ("investigator", ["A"]),
    "radiologist.a": ("radiologist", ["A"]),
    "monitor.a": ("monitor", ["A"]),
    "nurse.b": ("research_nurse", ["B"]),
    "nurse.bc": ("research_nurse", ["B", "C"]),
    "statistician": ("statistician", None),
}


@dataclass(frozen=True)
class VirtualRecords:
    """One enrolled virtual patient's records and one screen failure's candidate (JSON)."""

    eligible: dict[str, Any]
    failing: dict[str, Any]
    failing_criterion: str
    labs: list[dict[str, Any]]
    recist: dict[str, Any]
    qol: dict[str, Any]
    adverse_event: dict[str, Any]


@pytest.fixture(scope="session")
def virtual() -> VirtualRecords:
    plan = cohort_plan(2, seed=0)
    enrolled = next(m for m in plan if m.fails is None)
    failure = next(m for m in plan if m.fails is not None)
    record = generate_clinical_record(generate_virtual_patient(enrolled.seed, "tiny"))
    assert failure.fails is not None
    return VirtualRecords(
        eligible=record.candidate.model_dump(mode="json"),
        failing=screen_failure_candidate(failure).model_dump(mode="json"),
        failing_criterion=failure.fails,
        labs=[lab.model_dump(mode="json") for lab in record.labs],
        recist=record.recist.model_dump(mode="json"),
        qol=next(iter(record.qol.values())).model_dump(mode="json"),
        adverse_event=record.adverse_events[0].model_dump(mode="json"),
    )


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database file built once (argon2 hashing is slow on purpose); each test copies it."""
    path = tmp_path_factory.mktemp("template") / "hepar.db"
    db = Store(f"sqlite:///{path}")
    upgrade(db.engine)
    initialise_study(db, name="HEPAR PLUS", protocol="registry", data_manager="admin",
                     full_name="study admin", role=Role.ADMIN)
    set_password(db, "admin", PASSWORD)
    for code in ("A", "B", "C"):
        add_site(db, "admin", code=code, name=f"hospital {code}")
    for username, (role, site) in USERS.items():
        add_user(db, "admin", username=username, full_name=username, role=role, site_code=site)
        set_password(db, username, PASSWORD)
    with db.engine.connect() as connection:  # fold the WAL into the file before copying it
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def store(template_db: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "hepar.db"
    shutil.copyfile(template_db, target)
    db = Store(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, secret_key="test key, not a secret",
                     throttle=LoginThrottle(per_user=5, per_address=50))
    with TestClient(app) as test_client:
        yield test_client


def csrf(client: TestClient) -> str:
    token = client.get("/api/session").json()["csrf_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Sign ``client`` in as a user; returns the headers of an unsafe request (CSRF token)."""

    def _login(username: str) -> dict[str, str]:
        client.cookies.clear()
        answer = client.post("/api/login", json={"username": username, "password": PASSWORD},
                             headers={"X-CSRF-Token": csrf(client)})
        assert answer.status_code == 200, answer.text
        return {"X-CSRF-Token": answer.json()["csrf_token"]}

    return _login
