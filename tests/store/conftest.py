"""Fixtures of the store tests: every test runs on SQLite (a file) and on PostgreSQL (enforced at
collection).

PostgreSQL comes from ``HEPAR_TEST_POSTGRESQL_URL`` (``make test`` sets it through
``tests/store/pg_server.sh``, installing and starting a local server when needed). Each test gets
its own schema, so tests (and pytest-xdist workers) never see each other's rows. Without a server
the PostgreSQL cases are skipped with the reason, printed in pytest's summary and header.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from hepar.services.study_admin import add_site, add_user, initialise_study
from hepar.services.study_records import record_consent, register_patient
from hepar.store import Store, upgrade

_PG_URL = os.environ.get("HEPAR_TEST_POSTGRESQL_URL", "")
_PG_SKIP = os.environ.get("HEPAR_TEST_POSTGRESQL_SKIP") or (
    "HEPAR_TEST_POSTGRESQL_URL is not set (make test sets it: tests/store/pg_server.sh)")


def pytest_report_header(config: pytest.Config) -> str:
    return (f"store tests on PostgreSQL: {_PG_URL.split('@')[-1]}" if _PG_URL
            else f"store tests on PostgreSQL SKIPPED: {_PG_SKIP}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every store test runs on both back-ends: one that does not use ``store_url`` (directly or
    through ``store``/``study``) is a usage error, not a silently SQLite-only test."""
    here = Path(__file__).parent
    single = [item.nodeid for item in items
              if here in Path(str(item.path)).parents
              and "store_url" not in getattr(item, "fixturenames", ())]
    if single:
        raise pytest.UsageError(f"store tests that do not run on SQLite and PostgreSQL (use the "
                                f"store_url, store or study fixture): {', '.join(single)}")


@contextmanager
def empty_database(backend: str, folder: Path, name: str = "study") -> Iterator[str]:
    """The URL of a new, empty database on ``backend`` (SQLite: a file in ``folder``;
    PostgreSQL: a schema of its own, dropped afterwards); skips the test, saying why, when the
    back-end is not available."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    if not _PG_URL:
        pytest.skip(f"PostgreSQL: {_PG_SKIP}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{_PG_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def backend_of(url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema) on each back-end."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def other_store_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database (no schema) on the back-end of ``store_url``."""
    with empty_database(backend_of(store_url), tmp_path, "other") as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An upgraded, empty study database."""
    db = Store(store_url)
    upgrade(db.engine)
    yield db
    db.dispose()


@dataclass
class Study:
    """A study with two sites and users of every role (user names are the role's)."""

    store: Store
    site: str = "NL-A"
    other_site: str = "NL-B"

    def patient(self, study_id: str, *, consented_on: date = date(2026, 1, 5),
                site: str | None = None, user: str = "nurse") -> str:
        """Register ``study_id`` at ``site`` with informed consent on ``consented_on``."""
        register_patient(self.store, user, study_id=study_id, site_code=site or self.site,
                         identifier=f"mrn-{study_id}", sex="female",
                         birth_date=consented_on - timedelta(days=60 * 365))
        record_consent(self.store, user, study_id=study_id, consented_on=consented_on,
                       form_version="2.1")
        return study_id


@pytest.fixture
def study(store: Store) -> Study:
    initialise_study(store, name="HEPAR PLUS", protocol="registry", data_manager="dm",
                     full_name="data manager")
    add_site(store, "dm", code="NL-A", name="Site A")
    add_site(store, "dm", code="NL-B", name="Site B")
    for username, role, site in [
        ("investigator", "investigator", "NL-A"), ("nurse", "research_nurse", "NL-A"),
        ("physicist", "physicist", "NL-A"), ("radiologist", "radiologist", "NL-A"),
        ("monitor", "monitor", None), ("statistician", "statistician", None),
        ("nurse_b", "research_nurse", "NL-B"),
    ]:
        add_user(store, "dm", username=username, full_name=username, role=role, site_code=site)
    return Study(store)
