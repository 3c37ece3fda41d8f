"""``hepar audit verify``: a database that is missing, not SQLite, without the study schema or
unreachable is one ``error:`` line with exit status 2, and verifying never creates or changes a
file (SQLite creates a missing file on connection: issue 9). A trail that does not verify is
exit status 1 with the broken row named, not a bad input."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from bad_input import check_bad_input, snapshot
from cli_database import empty_sqlite_file, sqlite_url

from hepar.cli import main


def _cases(study, tmp_path):
    database = tmp_path / "study.db"
    shutil.copy(study["database"], database)
    missing = tmp_path / "missing.db"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a database", encoding="utf-8")
    a_folder = tmp_path / "folder.db"
    a_folder.mkdir()
    half = tmp_path / "half.db"
    half.write_bytes(study["database"].read_bytes()[:10])
    no_schema = empty_sqlite_file(tmp_path / "no_schema.db")
    verify = ["audit", "verify", "--database"]
    return [
        ("missing file", [*verify, sqlite_url(missing)], "existing study database", missing),
        ("missing folder", [*verify, sqlite_url(tmp_path / "no" / "x.db")], "--database",
         tmp_path / "no"),
        ("text file", [*verify, sqlite_url(a_file)], "not one", a_file),
        ("folder", [*verify, sqlite_url(a_folder)], "folder", a_folder),
        ("first bytes of a database", [*verify, sqlite_url(half)], "not one", half),
        ("no study schema", [*verify, sqlite_url(no_schema)], "study database", no_schema),
        ("under /proc", [*verify, "sqlite:////proc/hepar.db"], "--database", None),
        ("inside a file", [*verify, sqlite_url(a_file / "x.db")], "--database", a_file),
        ("unknown scheme", [*verify, "oracle://x/y"], "--database", None),
        ("not a URL", [*verify, "::"], "--database", None),
        ("empty URL scheme", [*verify, "://"], "--database", None),
        ("unreachable PostgreSQL", [*verify, "postgresql://nobody@127.0.0.1:1/x"],
         "--database", None),
        ("--database without a value", ["audit", "verify", "--database"], "--database", None),
        ("unknown option", ["audit", "verify", "--database", sqlite_url(database), "--fix"],
         "--fix", database),
        ("flag with a value", ["audit", "verify", "--database", sqlite_url(database),
                               "--json=yes"], "--json", database),
        ("unknown sub-command", ["audit", "repair"], "repair", None),
        ("argument to verify", ["audit", "verify", "extra"], "extra", None),
    ]


CASE_COUNT = 17


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_audit_input(study_database, tmp_path, capsys, index):
    cases = _cases(study_database, tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, out = cases[index]
    before = sorted(p.name for p in tmp_path.iterdir())
    check_bad_input(capsys, argv, named, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_variable_url_is_named_as_the_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEPAR_DATABASE_URL", sqlite_url(tmp_path / "missing.db"))
    check_bad_input(capsys, ["audit", "verify"], "HEPAR_DATABASE_URL")
    assert list(tmp_path.iterdir()) == []


def test_a_changed_row_is_exit_1_naming_it_and_the_file_is_not_touched(study_database,
                                                                       tmp_path, capsys):
    database = tmp_path / "study.db"
    shutil.copy(study_database["database"], database)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE users SET full_name = 'Eve' WHERE username = 'nina'")
    connection.close()
    before = snapshot(database)
    capsys.readouterr()
    assert main(["audit", "verify", "--database", sqlite_url(database)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and "users" in out, out
    assert snapshot(database) == before
