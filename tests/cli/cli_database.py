"""A small study database for the bad-input tests of ``db``, ``audit``, ``user`` and ``serve``:
the first admin added with ``hepar user add`` (which creates the schema and the study), a
second user, and its ODM export. Imported by the tests of this folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hepar.cli import main

ADMIN, PASSWORD = "ada", "correct horse battery"


def password_file(folder: Path, text: str = PASSWORD) -> Path:
    path = folder / "password.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def study_database(tmp_path_factory) -> dict[str, Path]:
    """``database``: a study database with an admin and a nurse; ``odm``: its ODM export."""
    folder = tmp_path_factory.mktemp("study_database")
    database = folder / "study.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("HEPAR_DATABASE_URL", sqlite_url(database))
    try:
        secret = password_file(folder)
        assert main(["user", "add", ADMIN, "--full-name", "Ada Admin", "--role", "admin",
                     "--password-file", str(secret)]) == 0
        assert main(["user", "add", "nina", "--full-name", "Nina Nurse", "--role",
                     "research_nurse", "--by", ADMIN, "--password-file", str(secret)]) == 0
    finally:
        mp.undo()
    assert main(["db", "export", "--format", "odm", "--out", str(folder / "export"),
                 "--database", sqlite_url(database)]) == 0
    (odm,) = (folder / "export").glob("*.xml")
    return {"folder": folder, "database": database, "odm": odm}


def empty_sqlite_file(path: Path) -> Path:
    """A valid SQLite file without the study schema."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE unrelated (x INTEGER)")
    connection.close()
    return path
