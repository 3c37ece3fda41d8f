"""``hepar serve``: a bad ``--port`` or ``--host``, a port already taken, or a database that is
missing or not a study database is one ``error:`` line with exit status 2 before the server
starts (issue 9: uvicorn would log and exit after start-up; SQLite would create an empty
``hepar.db``). Every case returns at once: a case that started the server would hang the test,
which a timeout in a subprocess turns into a failure."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from bad_input import check_bad_input
from cli_database import empty_sqlite_file, sqlite_url


@pytest.fixture()
def taken_port():
    """A port this process is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        yield server.getsockname()[1]


def _cases(tmp_path, taken):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a database", encoding="utf-8")
    return [
        ("port 0", ["--port", "0"], "--port", None),
        ("negative port", ["--port", "-1"], "--port", None),
        ("port above 65535", ["--port", "65536"], "--port", None),
        ("non-numeric port", ["--port", "http"], "--port", None),
        ("fractional port", ["--port", "80.5"], "--port", None),
        ("empty port", ["--port", ""], "--port", None),
        ("port already taken", ["--port", str(taken)], "--port", None),
        ("empty host", ["--host", ""], "--host", None),
        ("host with a port", ["--host", "localhost:8000"], "--host", None),
        ("host as a URL", ["--host", "http://127.0.0.1"], "--host", None),
        ("host with spaces", ["--host", "my host"], "--host", None),
        ("impossible IPv4 address", ["--host", "999.1.1.1"], "--host", None),
        ("address of another machine", ["--host", "192.0.2.1"], "--host", None),  # TEST-NET-1
        ("host name of 300 characters", ["--host", "a" * 300], "--host", None),
        ("missing database", [], "HEPAR_DATABASE_URL", None),
        ("not a SQLite file", [], "not one", a_file),
        ("no study schema", [], "schema", None),
        ("unknown option", ["--workers", "4"], "--workers", None),
    ]


CASE_COUNT = 18


@pytest.mark.parametrize("index", range(CASE_COUNT))
def test_bad_serve_input(tmp_path, capsys, monkeypatch, taken_port, index):
    cases = _cases(tmp_path, taken_port)
    assert len(cases) == CASE_COUNT
    case, args, named, out = cases[index]
    database = {"not a SQLite file": tmp_path / "notes.txt",
                "no study schema": empty_sqlite_file(tmp_path / "no_schema.db")
                }.get(case, tmp_path / "hepar.db")
    monkeypatch.setenv("HEPAR_DATABASE_URL", sqlite_url(database))
    before = sorted(p.name for p in tmp_path.iterdir())
    check_bad_input(capsys, ["serve", *args], named, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no hepar.db created


def test_a_bad_host_fails_before_the_server_starts(tmp_path):
    # in a subprocess with a timeout: a server that started would not return
    result = subprocess.run(
        [sys.executable, "-c", "from hepar.cli import entry_point; entry_point()", "serve",
         "--host", "192.0.2.1", "--port", "8765"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HEPAR_DATABASE_URL": sqlite_url(tmp_path / "x.db")},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --host")
    assert list(tmp_path.iterdir()) == []
