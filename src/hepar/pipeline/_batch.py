"""``hepar batch``: the per-patient imaging pipeline over a folder of patient studies, on Dask,
with the results in the study database (:func:`check_batch`, then :func:`run_batch`).

Everything that can be checked is checked by :func:`check_batch` before any computation (the
options, every study folder's files, the camera file, the output folder, the database, its
user, every patient's registration and administrations); it writes nothing. :func:`run_batch`
then skips every patient whose ``OUT/<ID>/batch_result.json`` holds the same key (SHA-256 of the
inputs' hashes, parameters, administrations and hepar's version), runs the others as tasks
(:func:`hepar.pipeline._runner.run_tasks`) and, in this process only (one writer), records each
new result through :func:`hepar.services.study_records.record_processing_run` unless the
database already holds a run with that key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ._batch_inputs import (
    Administered,
    BatchParameters,
    StudyFolder,
    as_utc,
    find_studies,
    hash_inputs,
    patient_key,
)
from ._batch_task import BatchJob, BatchResult, read_done, run_batch_job
from ._study import PatientFailure

__all__ = ["BATCH_MARKER", "BatchPlan", "check_batch", "run_batch"]

#: Marks a folder as written by hepar batch (resumable).
BATCH_MARKER = ".hepar-batch"
SUMMARY_FILE = "batch_summary.json"
#: The user who records the runs by default: the virtual site's physicist (hepar db load-virtual).
DEFAULT_USER = "virtual.physicist"


@dataclass(frozen=True)
class BatchPlan:
    """A checked batch: the jobs, the patients already done and where everything goes."""

    studies_dir: Path
    out: Path
    camera: Path
    database_url: str
    user: str
    workers: int
    scheduler: str | None
    jobs: list[BatchJob]
    recorded: dict[str, int]  # patient ID -> processing run id of a run with the job's key

    @property
    def database(self) -> str:
        """The database URL without its password."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def _check_workers(workers: int | None, scheduler: str | None) -> int:
    from hepar.errors import InvalidValueError

    if workers is not None and scheduler is not None:
        raise InvalidValueError(field="--workers", value=workers,
                                expected="no --workers with --scheduler (the scheduler's "
                                "cluster has its own workers)")
    if workers is not None and workers < 1:
        raise InvalidValueError(field="--workers", value=workers,
                                expected="a whole number of worker processes, at least 1")
    return (os.cpu_count() or 1) if workers is None else workers


def _check_out(out: Path) -> Path:
    from hepar.errors import InvalidValueError
    from hepar.io import check_output_folder

    if out.is_dir() and (out / BATCH_MARKER).is_file():
        return out.resolve()
    if out.is_dir() and any(out.iterdir()):
        raise InvalidValueError(field="--out", value=str(out),
                                expected=f"a new or empty folder, or an earlier hepar batch's "
                                f"({BATCH_MARKER}) to resume")
    return check_output_folder(out, overwrite=False).resolve()


def _check_camera(camera: Path) -> Path:
    from hepar.errors import InvalidValueError
    from hepar.io import read_camera_file

    if not camera.is_file():
        raise InvalidValueError(field="--camera", value=str(camera),
                                expected="the camera calibration file of hepar calibrate "
                                "(default: STUDIES_DIR/camera.json)")
    read_camera_file(camera)
    return camera.resolve()


def _store(url: str | None) -> Any:
    """The study database, refused when it does not exist (nothing is created here)."""
    from sqlalchemy.engine import make_url

    from hepar.errors import InvalidValueError
    from hepar.store import ENV_VAR, Store, database_url

    resolved = database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or not Path(name).is_file():
            raise InvalidValueError(field=ENV_VAR, value=resolved,
                                    expected="an existing study database (create it: hepar db "
                                    "upgrade; load patients: hepar db load-virtual)")
    store = Store(resolved)
    try:
        from hepar.store import current_revision

        revision = current_revision(store.engine)
    except Exception as error:  # cannot connect: report the URL, not a traceback
        store.engine.dispose()
        raise InvalidValueError(
            field=ENV_VAR, value=make_url(resolved).render_as_string(hide_password=True),
            expected=f"a reachable study database ({type(error).__name__})") from None
    if revision is None:
        store.engine.dispose()
        raise InvalidValueError(field=ENV_VAR, value=parsed.render_as_string(hide_password=True),
                                expected="a study database (create it: hepar db upgrade)")
    return store


def _administered(store: Any, user: str, study: StudyFolder) -> dict[str, Administered]:
    from hepar.errors import HeparError, InvalidValueError
    from hepar.services.study_queries import patient_records

    try:
        rows = patient_records(store, user, study_id=study.patient_id, table="administrations")
    except HeparError as error:
        if error.field == "user":
            raise InvalidValueError(field="--user", value=user,
                                    expected=f"{error.expected} who may read and record the "
                                    f"data of patient {study.patient_id}") from None
        if error.field != "study_id":
            raise
        raise InvalidValueError(source=str(study.folder), field="study_id",
                                value=study.patient_id,
                                expected="a patient registered in the study database (the "
                                "folder's name is the study ID)") from None
    found = {row["kind"]: Administered(float(row["activity_mbq"]), as_utc(row["administered_at"]))
             for row in rows}  # oldest first: a later record of a kind replaces an earlier one
    missing = [kind for kind in ("scout", "treatment") if kind not in found]
    if missing:
        raise InvalidValueError(source=str(study.folder), field="administrations",
                                value=sorted(found),
                                expected="the scout and the treatment 166Ho administrations "
                                "recorded in the study database")
    return {kind: found[kind] for kind in ("scout", "treatment")}


def _recorded_run(store: Any, user: str, study_id: str, key: str) -> int | None:
    import json

    from hepar.services.study_queries import patient_records

    for row in patient_records(store, user, study_id=study_id, table="processing_runs"):
        if json.loads(row["parameters"]).get("batch_key") == key:
            return int(row["id"])
    return None


def check_batch(studies_dir: str | Path, *, out: str | Path = "batch-output",
                camera: str | Path | None = None, workers: int | None = None,
                scheduler: str | None = None, database_url: str | None = None,
                user: str = DEFAULT_USER,
                parameters: BatchParameters | None = None) -> BatchPlan:
    """Check everything before any computation and plan the batch (writes nothing).

    Raises
    ------
    HeparError
        Naming the option, the study folder and file, or the database field that is wrong.
    """
    from ._runner import check_scheduler_address

    count = _check_workers(workers, scheduler)
    if scheduler is not None:
        check_scheduler_address(scheduler)
    studies = find_studies(studies_dir)
    root = Path(studies_dir).resolve()
    camera_path = _check_camera(Path(camera) if camera is not None else root / "camera.json")
    target = _check_out(Path(out))
    if target == root or root in target.parents:
        from hepar.errors import InvalidValueError

        raise InvalidValueError(field="--out", value=str(out),
                                expected="a folder outside STUDIES_DIR")
    settings = parameters or BatchParameters()
    store = _store(database_url)
    try:
        jobs, recorded = [], {}
        for study in studies:
            administered = _administered(store, user, study)
            inputs = hash_inputs(study, camera_path)
            key = patient_key(inputs, settings, administered)
            jobs.append(BatchJob(study, target / study.patient_id, camera_path, key, settings,
                                 administered, inputs))
            run_id = _recorded_run(store, user, study.patient_id, key)
            if run_id is not None:
                recorded[study.patient_id] = run_id
    finally:
        store.engine.dispose()
    return BatchPlan(root, target, camera_path, store.url, user, count, scheduler, jobs,
                     recorded)


def _record(store: Any, plan: BatchPlan, job: BatchJob, result: BatchResult) -> int:
    from datetime import datetime

    import hepar
    from hepar.services.study_records import record_processing_run

    outputs = {k: v for k, v in asdict(result).items()
               if k not in ("inputs_sha256", "parameters", "started_at", "finished_at", "key")}
    saved = record_processing_run(
        store, plan.user, study_id=job.study.patient_id, kind="dosimetry",
        inputs_sha256=job.inputs_sha256,
        parameters={**job.parameters.as_dict(), "batch_key": job.key,
                    "administered": {k: v.as_dict() for k, v in job.administered.items()}},
        software_version=hepar.__version__, outputs=outputs,
        started_at=datetime.fromisoformat(result.started_at),
        finished_at=datetime.fromisoformat(result.finished_at))
    return int(saved.id)


def run_batch(plan: BatchPlan, *, progress: Callable[[int, int], None] | None = None,
              on_start: Callable[[str], None] | None = None,
              on_failure: Callable[[PatientFailure], None] | None = None) -> dict[str, Any]:
    """Run a checked batch; return its summary (``hepar batch --json``, README), also written
    to ``OUT/batch_summary.json``.

    ``progress(finished, total)`` after each patient; ``on_start(note)`` once the cluster is up
    (the dashboard address, or why there is none); ``on_failure`` for each failed patient, as
    it fails.
    """
    from hepar.io import write_json_atomically
    from hepar.store import Store

    from ._runner import run_tasks

    say = progress or (lambda finished, total: None)
    plan.out.mkdir(parents=True, exist_ok=True)
    if not (plan.out / BATCH_MARKER).is_file():
        (plan.out / BATCH_MARKER).write_text("written by hepar batch\n", encoding="utf-8")
    earlier = {job.study.patient_id: read_done(job.out, job.key) for job in plan.jobs}
    todo = [job for job in plan.jobs if earlier[job.study.patient_id] is None]
    total, finished = len(plan.jobs), [len(plan.jobs) - len(todo)]
    store = Store(plan.database_url)
    run_ids = dict(plan.recorded)
    failures: list[PatientFailure] = []
    computed: dict[str, BatchResult] = {}

    def keep(job: BatchJob, result: BatchResult) -> None:
        if job.study.patient_id not in run_ids:
            run_ids[job.study.patient_id] = _record(store, plan, job, result)

    def arrived(index: int, found: BatchResult | PatientFailure) -> None:
        job = todo[index]
        if isinstance(found, PatientFailure):
            failures.append(found)
            if on_failure is not None:
                on_failure(found)
        else:
            computed[job.study.patient_id] = found
            keep(job, found)
        finished[0] += 1
        say(finished[0], total)

    say(finished[0], total)
    workers = min(plan.workers, max(len(todo), 1))
    note = "nothing to compute" if not todo else "in this process"
    try:
        for job in plan.jobs:  # done before, perhaps recorded in another database
            found = earlier[job.study.patient_id]
            if found is not None:
                keep(job, found)

        def started(text: str) -> None:
            nonlocal note
            note = text
            if on_start is not None:
                on_start(text)

        if todo:
            run_tasks(run_batch_job, todo, keys=[f"hepar-batch-{job.study.patient_id}-"
                                                 f"{job.key[:16]}" for job in todo],
                      workers=workers, scheduler=plan.scheduler,
                      on_result=arrived,
                      on_start=started)
    finally:
        store.engine.dispose()
    results = []
    for job in plan.jobs:
        pid = job.study.patient_id
        found = computed.get(pid) or earlier[pid]
        if found is not None:
            results.append({"status": "done" if pid in computed else "skipped",
                            "processing_run_id": run_ids.get(pid), **asdict(found)})
    failed = sorted((asdict(f) for f in failures), key=lambda f: f["patient_id"])
    summary = {
        "studies_dir": str(plan.studies_dir), "out": str(plan.out), "database": plan.database,
        "scheduler": plan.scheduler or ("in this process" if workers == 1 else "LocalCluster"),
        "workers": workers if plan.scheduler is None else None, "dashboard": note,
        "patients": total, "done": len(computed), "skipped": total - len(todo),
        "failed": failed, "recorded": len(run_ids) - len(plan.recorded),
        "results": results,
    }
    write_json_atomically(summary, plan.out / SUMMARY_FILE, overwrite=True)
    return summary
