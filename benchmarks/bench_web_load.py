"""Load of the web application: N concurrent signed-in sessions saving lab forms for a bounded
time against ``hepar serve`` on 127.0.0.1 (loopback only; nothing else is contacted).

Reference in the same process: the same sessions reading ``GET /api/session`` (no database
write) for the same time; the figure is the ratio of form saves per second to that.
Issue 11 target: 0 errors and p95 <= 100 ms on SQLite. Last line: requests/s, p95, errors.

Usage: ``python benchmarks/bench_web_load.py [--sessions 50] [--seconds 20]`` (at most 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hepar.physics import MS_PER_S
from hepar.services.study_admin import add_site, add_user
from hepar.services.study_records import record_consent, register_patient
from hepar.services.web_auth import set_password
from hepar.services.web_users import add_web_user
from hepar.store import Store

PASSWORD = "benchmark password"


def _prepare(database: Path, sessions: int) -> list[tuple[str, str]]:
    store = Store(f"sqlite:///{database}")
    add_web_user(store, username="admin", full_name="admin", role="admin", password=PASSWORD)
    add_site(store, "admin", code="V", name="virtual site")
    add_user(store, "admin", username="nurse", full_name="nurse", role="research_nurse",
             site_code="V")
    set_password(store, "nurse", PASSWORD)
    pairs = []
    for index in range(sessions):
        study_id = f"HP-V-BENCH{index:05d}"
        register_patient(store, "nurse", study_id=study_id, site_code="V",
                         identifier=f"virtual-mrn-{index}")
        from datetime import date

        record_consent(store, "nurse", study_id=study_id, consented_on=date(2025, 1, 6),
                       form_version="1.0")
        pairs.append(("nurse", study_id))
    store.dispose()
    return pairs


async def _sign_in(base: str) -> tuple[httpx.AsyncClient, dict[str, str]]:
    client = httpx.AsyncClient(base_url=base, timeout=30.0)
    token = (await client.get("/api/session")).json()["csrf_token"]
    login = await client.post("/api/login", json={"username": "nurse", "password": PASSWORD},
                              headers={"X-CSRF-Token": token})
    return client, {"X-CSRF-Token": login.json()["csrf_token"]}


async def _session(client: httpx.AsyncClient, headers: dict[str, str], study_id: str,
                   until: float, write: bool, latencies: list[float], errors: list[str]) -> None:
    lab = {"labs": [{"analyte": "bilirubin", "value": 12.0, "unit": "umol/L", "uln": 17.0,
                     "sampled_on": "2025-01-07"}]}
    while time.perf_counter() < until:
        start = time.perf_counter()
        try:
            if write:
                answer = await client.post(f"/api/patients/{study_id}/labs", json=lab,
                                           headers=headers)
                ok = answer.status_code == 201
            else:
                answer = await client.get("/api/session")
                ok = answer.status_code == 200
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)
            continue
        latencies.append(time.perf_counter() - start)
        if not ok:
            errors.append(str(answer.status_code))


async def _run(base: str, pairs: list[tuple[str, str]], seconds: float, write: bool
               ) -> tuple[float, float, int]:
    """Sign every session in first (argon2 is slow on purpose), then time the requests."""
    signed = await asyncio.gather(*(_sign_in(base) for _ in pairs))
    latencies: list[float] = []
    errors: list[str] = []
    until = time.perf_counter() + seconds
    try:
        await asyncio.gather(*(_session(client, headers, study_id, until, write, latencies,
                                        errors)
                               for (client, headers), (_user, study_id) in zip(signed, pairs,
                                                                               strict=True)))
    finally:
        for client, _headers in signed:
            await client.aclose()
    latencies.sort()
    p95_ms = latencies[int(0.95 * (len(latencies) - 1))] * MS_PER_S if latencies else float("nan")
    return len(latencies) / seconds, p95_ms, len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    options = parser.parse_args()
    seconds = min(max(options.seconds, 1.0), 60.0)
    sessions = min(max(options.sessions, 1), 200)
    folder = Path(tempfile.mkdtemp(prefix="hepar-bench-"))
    try:
        database = folder / "hepar.db"
        pairs = _prepare(database, sessions)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "HEPAR_DATABASE_URL": f"sqlite:///{database}",
               "HEPAR_SECRET_KEY": "benchmark key, not a secret"}
        hepar = str(Path(sys.executable).with_name("hepar"))
        server = subprocess.Popen([hepar, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{base}/api/session", timeout=1.0)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            ref_rps, ref_p95, ref_errors = asyncio.run(_run(base, pairs, seconds / 4, False))
            print(f"reference GET /api/session: {ref_rps:.0f} req/s, p95 {ref_p95:.1f} ms, "
                  f"{ref_errors} errors")
            rps, p95, errors = asyncio.run(_run(base, pairs, seconds, True))
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(f"{sessions} sessions saving lab forms for {seconds:g} s on SQLite, loopback: "
              f"ratio to reference {rps / ref_rps:.2f}; "
              f"requests/s {rps:.1f}, p95 {p95:.1f} ms, errors {errors}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
