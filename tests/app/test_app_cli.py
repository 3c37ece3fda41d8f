"""``hepar user add`` (the first admin, a password never on the command line) and ``hepar serve``
(a real server on loopback, in a subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HEPAR = str(Path(sys.executable).with_name("hepar"))


def _run(args: list[str], env: dict[str, str], input: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEPAR, *args], capture_output=True, text=True, env=env, check=False,
                          input=input)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HEPAR_DATABASE_URL": f"sqlite:///{tmp_path / 'hepar.db'}",
            "HEPAR_SECRET_KEY": "cli test key, not a secret"}


def test_first_user_must_be_admin_and_password_comes_from_a_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    (tmp_path / "pw").write_text("a long enough password\n", encoding="utf-8")
    refused = _run(["user", "add", "nina", "--full-name", "Nina", "--role", "research_nurse",
                    "--password-file", str(tmp_path / "pw")], env)
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("error: --role = 'research_nurse': expected admin without "
                                      "--site for the first user of an empty database")
    made = _run(["user", "add", "boss", "--full-name", "The Boss", "--role", "admin",
                 "--password-file", str(tmp_path / "pw"), "--json"], env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"username": "boss", "role": "admin", "site": None,
                                       "first_admin": True}
    (tmp_path / "short").write_text("short\n", encoding="utf-8")
    short = _run(["user", "add", "nina", "--full-name", "Nina", "--role", "monitor", "--by",
                  "boss", "--password-file", str(tmp_path / "short")], env)
    assert short.returncode == 2
    assert short.stderr.strip() == ("error: password = '<withheld>': expected at least 8 "
                                    "characters")
    prompted = _run(["user", "add", "mo", "--full-name", "Mo", "--role", "monitor", "--by",
                     "boss"], env, input="another good one\nanother good one\n")
    assert prompted.returncode == 0, prompted.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    env = _env(tmp_path)
    unready = _run(["serve", "--port", "1"], env)
    assert unready.returncode == 2 and "expected an existing study database" in unready.stderr
    assert not (tmp_path / "hepar.db").exists()  # refused without creating an empty file
    (tmp_path / "pw").write_text("a long enough password\n", encoding="utf-8")
    assert _run(["user", "add", "boss", "--full-name", "B", "--role", "admin",
                 "--password-file", str(tmp_path / "pw")], env).returncode == 0
    port = _free_port()
    server = subprocess.Popen([HEPAR, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                answer = httpx.get(f"{base}/api/session", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("hepar serve did not answer within 15 s")
        assert answer.status_code == 200 and answer.json()["username"] is None
        with httpx.Client(base_url=base) as client:
            token = client.get("/api/session").json()["csrf_token"]
            login = client.post("/api/login", headers={"X-CSRF-Token": token},
                                json={"username": "boss", "password": "a long enough password"})
            assert login.status_code == 200 and login.json()["role"] == "admin"
            assert client.get("/api/patients").json() == []
            assert client.get("/docs").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
