"""Opening the study database for a command: the URL and, for SQLite, the file, checked before
anything is read or written (README.md, "Errors and exit status").

SQLite creates a missing database file on first connection, so a command that only reads
(``db export``, ``audit verify``, ``serve``) would leave an empty ``hepar.db`` behind when given a
wrong path; a command that writes would fail deep inside SQLAlchemy on a path it cannot write
(a traceback-shaped internal error). Here a reading command refuses a missing file, a writing
command tries a real write beside the file first, any command refuses a file that is not a
SQLite database, and a database file a failed command created is removed. A database that
cannot be reached or opened (PostgreSQL refusing the connection, a locked file) is one line
naming it, not an internal error.

SQLAlchemy is imported inside the functions (``hepar --version`` stays fast).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hepar.errors import InvalidValueError

__all__ = ["open_store"]

#: The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html).
SQLITE_HEADER = b"SQLite format 3\x00"


def _field(database: str | None, option: str | None) -> str:
    from hepar.store import ENV_VAR

    if option is None or (database is None and os.environ.get(ENV_VAR)):
        return ENV_VAR
    return option


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (``None``: not SQLite, or in memory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def _check_file(path: Path, *, write: bool, field: str, given: str) -> None:
    from hepar.io import check_output_file

    if path.is_dir():
        raise InvalidValueError(field=field, value=given,
                                expected=f"a SQLite database file ({path} is a folder)")
    if path.exists():
        try:
            with path.open("rb") as stream:
                header = stream.read(len(SQLITE_HEADER))
        except OSError as error:
            raise InvalidValueError(field=field, value=given,
                                    expected=f"a readable SQLite database file ({error.strerror})"
                                    ) from None
        if header and header != SQLITE_HEADER:
            raise InvalidValueError(field=field, value=given,
                                    expected=f"a SQLite database file ({path} is not one)")
        if not write:
            _check_schema_present(path, field, given)
            return
    elif not write:
        raise InvalidValueError(field=field, value=given,
                                expected="an existing study database (create it: hepar db "
                                "upgrade or hepar user add)")
    check_output_file(path, overwrite=True, option=field)  # a real write beside it


def _check_schema_present(path: Path, field: str, given: str) -> None:
    """A reading command needs the study schema; checked read-only, because the engine's first
    connection switches a SQLite file to WAL mode (a write)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro",
                                                uri=True)) as connection:
            found = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                       "AND name = 'alembic_version'").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise InvalidValueError(field=field, value=given,
                                expected=f"a SQLite database that can be read ({error})"
                                ) from None
    if not found:
        raise InvalidValueError(field=field, value=given,
                                expected="a study database (this SQLite file has no study "
                                "schema; create one: hepar db upgrade)")


@contextmanager
def open_store(database: str | None, *, write: bool, option: str | None = "--database"
               ) -> Iterator[Any]:
    """The :class:`hepar.store.Store` of ``database`` (else ``$HEPAR_DATABASE_URL``, else
    ``sqlite:///hepar.db``), checked first; errors name ``option`` (or the environment
    variable when that chose the URL, or the command has no such option: ``option=None``).

    ``write``: the command creates or changes the database (a missing SQLite file is created;
    one this command created is removed again if the command fails). Otherwise the database
    must exist.
    """
    from hepar.store import Store, database_url

    field = _field(database, option)
    try:
        url = database_url(database)
    except InvalidValueError as error:
        raise InvalidValueError(field=field, value=error.value, expected=error.expected
                                ) from None
    shown = _shown(url)
    path = _sqlite_file(url)
    created = False
    if path is not None:
        _check_file(path, write=write, field=field, given=shown)
        created = not path.exists()
    store = None
    try:
        with _database_errors(field, shown):
            store = Store(url)
            yield store
    except BaseException:
        if store is not None:
            store.dispose()
        if created and path is not None:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"),
                             Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)
        raise
    store.dispose()


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _database_errors(field: str, shown: str) -> Iterator[None]:
    """A database that cannot be reached or opened: the user's error, naming it."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        yield
    except (OperationalError, DatabaseError) as error:
        if not isinstance(error, OperationalError) and type(error) is not DatabaseError:
            raise  # IntegrityError, ProgrammingError ...: a bug, an internal error
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise InvalidValueError(field=field, value=shown,
                                expected=f"a database that can be opened ({reason})"
                                ) from None
