"""``hepar user add``: a bad role, password file, first user, admin, site or database is one
``error:`` line with exit status 2, and nothing is written: the study database is unchanged and
a refused first user leaves no database file behind (issue 9: the schema was created before the
first user was refused)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from bad_input import check_bad_input, snapshot
from cli_database import ADMIN, password_file, sqlite_url


def _cases(tmp_path):
    good = password_file(tmp_path)
    short = tmp_path / "short.txt"
    short.write_text("abc\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    blank_first = tmp_path / "blank_first.txt"
    blank_first.write_text("\nsecond line password\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("mot de passe déjà".encode("latin-1"))
    add = ["user", "add"]
    nurse = ["bob", "--full-name", "Bob", "--role", "research_nurse", "--password-file", good]
    return [
        # (case, argv, named, database to use: "study" or "new")
        ("unknown role", [*add, "bob", "--full-name", "Bob", "--role", "nurse",
                          "--by", ADMIN, "--password-file", good], "--role", "study"),
        ("empty role", [*add, "bob", "--full-name", "Bob", "--role", "", "--by", ADMIN,
                        "--password-file", good], "--role", "study"),
        ("missing password file", [*add, *nurse[:-1], tmp_path / "none.txt", "--by", ADMIN],
         "--password-file", "study"),
        ("password file is a folder", [*add, *nurse[:-1], tmp_path, "--by", ADMIN],
         "--password-file", "study"),
        ("empty password file", [*add, *nurse[:-1], empty, "--by", ADMIN], "--password-file",
         "study"),
        ("first line blank", [*add, *nurse[:-1], blank_first, "--by", ADMIN],
         "--password-file", "study"),
        ("not UTF-8", [*add, *nurse[:-1], latin1, "--by", ADMIN], "--password-file", "study"),
        ("password too short", [*add, *nurse[:-1], short, "--by", ADMIN], "password", "study"),
        ("first user not admin", [*add, *nurse], "--role", "new"),
        ("first admin with a site", [*add, "root", "--full-name", "Root", "--role", "admin",
                                     "--site", "NL01", "--password-file", good], "--role",
         "new"),
        ("no --by", [*add, *nurse], "--by", "study"),
        ("--by unknown user", [*add, *nurse, "--by", "mallory"], "mallory", "study"),
        ("--by a nurse", [*add, "carl", "--full-name", "Carl", "--role", "monitor",
                          "--password-file", good, "--by", "nina"], "nina", "study"),
        ("user exists", [*add, "nina", "--full-name", "Nina", "--role", "monitor",
                         "--password-file", good, "--by", ADMIN], "nina", "study"),
        ("unknown site", [*add, *nurse, "--by", ADMIN, "--site", "XX99"], "site", "study"),
        ("missing --full-name", [*add, "bob", "--role", "monitor", "--password-file", good],
         "--full-name", "study"),
        ("missing user name", [*add], "USERNAME", "study"),
        ("database not SQLite", [*add, *nurse, "--by", ADMIN], "not one", "text"),
        ("database under /proc", [*add, *nurse, "--by", ADMIN], "/proc", "proc"),
        ("password as an option", [*add, *nurse, "--password", "secret123"], "--password",
         "study"),
    ]


CASE_COUNT = 20


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_user_input(study_database, tmp_path, capsys, monkeypatch, index):
    cases = _cases(tmp_path)
    assert len(cases) == CASE_COUNT
    _case, argv, named, which = cases[index]
    study = tmp_path / "study.db"
    shutil.copy(study_database["database"], study)
    text = tmp_path / "notes.txt"
    text.write_text("not a database", encoding="utf-8")
    url = {"study": sqlite_url(study), "new": sqlite_url(tmp_path / "new.db"),
           "text": sqlite_url(text), "proc": "sqlite:////proc/hepar.db"}[which]
    monkeypatch.setenv("HEPAR_DATABASE_URL", url)
    before = snapshot(study)
    check_bad_input(capsys, argv, named, out=text)
    assert snapshot(study) == before
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize(("stdin", "expected"), [
    ("", "the password twice on standard input"),
    ("first password\nsecond password\n", "the same password on both lines"),
])
def test_a_piped_password_that_is_missing_or_differs_is_one_line(study_database, tmp_path,
                                                                  stdin, expected):
    # was: exit 130 "interrupted" after getpass warnings, or a prompt looping until EOF
    study = tmp_path / "study.db"
    shutil.copy(study_database["database"], study)
    before = snapshot(study)
    result = subprocess.run(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "user",
         "add", "bob", "--full-name", "Bob", "--role", "monitor", "--by", ADMIN],
        input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HEPAR_DATABASE_URL": sqlite_url(study)},
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: password") and expected in lines[0]
    assert snapshot(study) == before
