"""``hepar batch`` on patient studies on disk (tiny virtual patients of hepar.phantoms): the same
numbers in this process and on a 2-worker LocalCluster; a re-run does no work and a changed
input is redone; a corrupt file fails its patient alone, named; a worker killed during a task
does not stop the batch; the results land in the study database (SQLite, and PostgreSQL where a
test server is available)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from batch_studies import Studies, enrolled, write_studies

from hepar.cli import main
from hepar.pipeline import BATCH_RESULT, check_batch, run_batch

pytestmark = pytest.mark.slow

#: what is not a number of the computation: where and when it ran
_NOT_NUMBERS = ("folder", "started_at", "finished_at", "processing_run_id", "status")


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> Studies:
    """The 3 enrolled patients of cohort_plan(3, seed=2) as study folders, the camera file and
    a database with the cohort's records (built once; each test works on a copy)."""
    return write_studies(tmp_path_factory.mktemp("batch"), enrolled())


def _numbers(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in _NOT_NUMBERS} for r in summary["results"]]


def _runs(url: str) -> list[dict[str, Any]]:
    from hepar.services.study_queries import list_patients, patient_records
    from hepar.store import Store

    store = Store(url)
    try:
        return [run for p in list_patients(store, "virtual.monitor")
                for run in patient_records(store, "virtual.monitor", study_id=p["study_id"],
                                           table="processing_runs")]
    finally:
        store.engine.dispose()


def _files(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` and its modification time (ns)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_two_workers_give_the_serial_numbers_and_a_rerun_does_no_work(
        studies: Studies, tmp_path: Path) -> None:
    a, b = studies.copy(tmp_path / "a"), studies.copy(tmp_path / "b")
    serial = run_batch(check_batch(a.root, out=tmp_path / "a-out", workers=1,
                                   database_url=a.url))
    dask = run_batch(check_batch(b.root, out=tmp_path / "b-out", workers=2,
                                 database_url=b.url))
    assert serial["scheduler"] == "in this process" and dask["scheduler"] == "LocalCluster"
    assert serial["failed"] == [] and dask["failed"] == [], (serial["failed"], dask["failed"])
    assert serial["done"] == dask["done"] == 3 and serial["recorded"] == dask["recorded"] == 3
    # same inputs, same key, same numbers: the order of the work changes nothing
    assert _numbers(dask) == _numbers(serial)
    runs = _runs(b.url)
    assert sorted(json.loads(r["parameters"])["batch_key"] for r in runs) == sorted(
        r["key"] for r in dask["results"])
    assert {json.loads(r["outputs"])["planned_activity_mbq"] for r in runs} == {
        r["planned_activity_mbq"] for r in dask["results"]}

    # re-run: nothing recomputed (no task, no file touched), nothing recorded again
    before = _files(tmp_path / "b-out")
    again = run_batch(check_batch(b.root, out=tmp_path / "b-out", workers=2,
                                  database_url=b.url))
    assert (again["done"], again["skipped"], again["recorded"]) == (0, 3, 0)
    assert again["dashboard"] == "nothing to compute"  # no cluster was even started
    after = _files(tmp_path / "b-out")
    assert {k: v for k, v in after.items() if k != "batch_summary.json"} == {
        k: v for k, v in before.items() if k != "batch_summary.json"}
    assert len(_runs(b.url)) == 3
    assert _numbers(again) == _numbers(dask)

    # a changed input (a corrected treatment activity in the database) is redone, alone
    changed = _correct_treatment_activity(b.url, dask["results"][0]["patient_id"], 1.05)
    redone = run_batch(check_batch(b.root, out=tmp_path / "b-out", workers=1,
                                   database_url=b.url))
    assert (redone["done"], redone["skipped"], redone["recorded"]) == (1, 2, 1)
    first = next(r for r in redone["results"] if r["patient_id"] == changed)
    old = next(r for r in dask["results"] if r["patient_id"] == changed)
    assert first["status"] == "done" and first["key"] != old["key"]
    # The post-treatment SPECT is normalised to the administered activity and the dose is
    # local deposition (D = A~ E / m): every post-treatment dose scales by the same factor,
    # to rounding (the reconstruction itself is unchanged: same projections, same CT); the
    # image goes through a float32 NIfTI (relative rounding 6e-8 per voxel), hence 1e-6.
    assert first["treated_liver_mean_gy"] == pytest.approx(
        1.05 * old["treated_liver_mean_gy"], rel=1e-6)
    assert first["planned_activity_mbq"] == old["planned_activity_mbq"]  # scout: unchanged
    assert len(_runs(b.url)) == 4


def _correct_treatment_activity(url: str, study_id: str, factor: float) -> str:
    """Record a corrected treatment administration (``factor`` x the activity) as the
    virtual physicist; the batch reads the latest one."""
    from hepar.services.study_queries import patient_records
    from hepar.services.study_records import record_administration
    from hepar.store import Store

    store = Store(url)
    try:
        rows = patient_records(store, "virtual.physicist", study_id=study_id,
                               table="administrations")
        given = next(r for r in rows if r["kind"] == "treatment")
        record_administration(store, "virtual.physicist", study_id=study_id, kind="treatment",
                              administered_at=given["administered_at"],
                              activity_mbq=factor * given["activity_mbq"])
    finally:
        store.engine.dispose()
    return study_id


def test_a_corrupt_file_fails_its_patient_alone(
        studies: Studies, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    c = studies.copy(tmp_path / "c", studies.patient_ids[:2])
    broken, fine = c.patient_ids
    projections = c.root / broken / "nm" / "ho166_scout.dcm"
    data = projections.read_bytes()
    projections.write_bytes(data[: len(data) // 2])  # truncated: pixel data cut short
    monkeypatch.setenv("HEPAR_DATABASE_URL", c.url)
    out = tmp_path / "out"
    capsys.readouterr()
    status = main(["batch", str(c.root), "--workers", "1", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert status == 3, captured.err
    summary = json.loads(captured.out)
    assert [f["patient_id"] for f in summary["failed"]] == [broken]
    failure = summary["failed"][0]
    assert failure["error"].endswith("Error") and failure["message"], failure
    assert f"patient {broken} failed: {failure['error']}: " in captured.err
    assert [(r["patient_id"], r["status"]) for r in summary["results"]] == [(fine, "done")]
    assert (out / fine / BATCH_RESULT).is_file()
    assert not (out / broken).exists() and not (out / f"{broken}.partial").exists()
    assert [json.loads(r["outputs"])["patient_id"] for r in _runs(c.url)] == [fine]


def _kill_once_plugin(marker: str) -> Any:
    """A worker plugin that kills its worker's process (SIGKILL) 1 s after the first batch
    task starts executing anywhere (``marker`` is removed by the first worker to claim it)."""
    import signal
    import threading

    from dask.distributed import WorkerPlugin

    class KillOnce(WorkerPlugin):
        name = "kill-once"

        def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
            if finish != "executing" or not str(key).startswith("hepar-batch-"):
                return
            try:
                os.unlink(marker)
            except FileNotFoundError:
                return
            threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGKILL)).start()

    return KillOnce()


def test_a_worker_killed_during_a_task_does_not_stop_the_batch(
        studies: Studies, tmp_path: Path) -> None:
    import logging

    from dask.distributed import Client, LocalCluster

    c = studies.copy(tmp_path / "c", studies.patient_ids[:2])
    marker = tmp_path / "kill-once"
    marker.write_text("the first worker to start a batch task dies\n")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        client.register_plugin(_kill_once_plugin(str(marker)))
        pids = set(client.run(os.getpid).values())
        summary = run_batch(check_batch(c.root, out=tmp_path / "out",
                                        scheduler=cluster.scheduler_address,
                                        database_url=c.url))
        survivors = set(client.run(os.getpid).values())
    assert not marker.exists()  # a worker was killed during a task ...
    assert pids - survivors  # ... and replaced by its nanny
    assert summary["failed"] == [] and summary["done"] == 2  # ... and the batch completed
    assert summary["scheduler"] == cluster.scheduler_address
    assert len(_runs(c.url)) == 2


def test_a_phantom_cohort_folder_gives_its_enrolled_members(studies: Studies,
                                                           tmp_path: Path) -> None:
    """``hepar phantom --cohort`` writes ``cohort.json`` and ``candidates/`` beside the patient
    folders: the batch takes the enrolled members listed there, in that order."""
    from hepar.errors import InvalidValueError
    from hepar.pipeline import find_studies

    c = studies.copy(tmp_path / "c")
    first, _, third = c.patient_ids
    (c.root / "candidates").mkdir()
    members = [{"patient_id": third, "enrolled": True, "folder": third},
               {"patient_id": "SF-1", "enrolled": False, "candidate": "candidates/SF-1.json"},
               {"patient_id": first, "enrolled": True, "folder": first}]
    (c.root / "cohort.json").write_text(json.dumps({"members": members}))
    assert [s.patient_id for s in find_studies(c.root)] == [third, first]
    (c.root / "cohort.json").unlink()  # without it: every sub-folder, sorted
    with pytest.raises(InvalidValueError, match="candidates"):  # not a study folder
        find_studies(c.root)


_PG_URL = os.environ.get("HEPAR_TEST_POSTGRESQL_URL", "")
_PG_SKIP = os.environ.get("HEPAR_TEST_POSTGRESQL_SKIP") or (
    "HEPAR_TEST_POSTGRESQL_URL is not set (eval \"$(bash tests/store/pg_server.sh)\")")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty schema on the PostgreSQL test server."""
    if not _PG_URL:
        pytest.skip(f"PostgreSQL: {_PG_SKIP}")
    from sqlalchemy import create_engine, text

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


def test_results_land_in_postgresql(studies: Studies, tmp_path: Path, pg_url: str) -> None:
    from batch_studies import COHORT_SEED, COHORT_SIZE

    from hepar.services.study_data import upgrade_database
    from hepar.services.study_virtual import load_virtual_patients
    from hepar.store import Store

    store = Store(pg_url)
    upgrade_database(store)
    load_virtual_patients(store, n_patients=COHORT_SIZE, seed=COHORT_SEED)
    store.engine.dispose()
    c = studies.copy(tmp_path / "c", studies.patient_ids[:1])
    first = run_batch(check_batch(c.root, out=tmp_path / "out", workers=1, database_url=pg_url))
    again = run_batch(check_batch(c.root, out=tmp_path / "out", workers=1, database_url=pg_url))
    assert (first["done"], first["recorded"]) == (1, 1) and first["failed"] == []
    assert (again["done"], again["skipped"], again["recorded"]) == (0, 1, 0)
    runs = _runs(pg_url)
    assert [json.loads(r["parameters"])["batch_key"] for r in runs] == [
        first["results"][0]["key"]]
