"""Where the study database lives and how to connect to it.

Default: an embedded SQLite file ``./hepar.db`` (WAL journal, foreign keys on, writers wait for
each other up to 30 s); ``HEPAR_DATABASE_URL`` (an SQLAlchemy URL) chooses another, e.g. a
PostgreSQL database of a multi-site study (``postgresql+psycopg://user@host/db``).

On SQLite every write transaction starts with ``BEGIN IMMEDIATE``: it takes the file's write lock
before it reads, so two writers never both read a version and then race (and readers under WAL are
never blocked). On PostgreSQL the audit chain is serialised by a transaction-level advisory lock
taken before the first write of a transaction (:mod:`._audit`).
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from hepar.errors import InvalidValueError

__all__ = ["DEFAULT_DATABASE_URL", "ENV_VAR", "database_url", "make_engine"]

ENV_VAR = "HEPAR_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///hepar.db"
_WRITE = "hepar_write"


def database_url(url: str | None = None) -> str:
    """``url``, else ``$HEPAR_DATABASE_URL``, else ``sqlite:///hepar.db`` (PostgreSQL URLs without
    a driver get psycopg 3)."""
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_DATABASE_URL
    try:
        parsed = make_url(chosen)
    except Exception:  # sqlalchemy.exc.ArgumentError: report the user's value
        raise InvalidValueError(field=ENV_VAR, value=chosen,
                                expected="an SQLAlchemy URL, e.g. sqlite:///hepar.db or "
                                         "postgresql+psycopg://user@host/db") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidValueError(field=ENV_VAR, value=chosen,
                                expected="a sqlite:/// or postgresql:// URL")
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for the study database with the settings above."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 30.0}, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **options)


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # hand transaction control to SQLAlchemy (the documented pysqlite recipe), then the pragmas
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
