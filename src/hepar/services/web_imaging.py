"""Use cases of the web application's imaging page: upload a SPECT/CT study, run reconstruction,
planning and dosimetry on it as a background job, and read the job's progress and results.

A job's state lives in the database (``imaging_jobs``): ``queued``, ``running`` (stage k of n,
named), ``done`` (with its summary) or ``failed`` (with the one-line error), so that a page reload
or another server process sees it. A job whose runner stopped (the server was stopped while it
ran) stops refreshing ``updated_at`` and is reported failed after :data:`STALE_AFTER`.

Every read is scoped to the user's site: a job or volume of another site's patient answers as one
that does not exist (:class:`JobNotFoundError`). Uploading and running need a role that may write
both imaging studies and processing runs (the physicist: :data:`hepar.store.WRITERS`).

Files: ``<root>/<study ID>/dicom/<series UID>/`` (the pseudonymised series, written by
:func:`~hepar.services.study_imaging.import_dicom_series`) and ``<root>/<study ID>/jobs/<job>/``
(``recon/``, ``plan.json``, ``dose/``, ``viewer/``), where ``root`` is :func:`imaging_root`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from hepar import __version__
from hepar.errors import HeparError, InvalidValueError
from hepar.store import (
    WRITERS,
    ImagingJob,
    ImagingStudy,
    Patient,
    PermissionDeniedError,
    Role,
    Store,
)

from .web_auth import WebUser
from .web_patients import visible_patient

__all__ = [
    "IMAGING_DIR_ENV_VAR",
    "JOB_STAGES",
    "STALE_AFTER",
    "VOLUMES",
    "JobNotFoundError",
    "JobRunner",
    "JobView",
    "imaging_root",
    "job_dvh",
    "job_view",
    "job_volume",
    "patient_jobs",
    "run_imaging_job",
    "submit_study",
]

_log = logging.getLogger(__name__)

#: Where the imaging files live (default: a folder ``<database>.imaging`` beside an SQLite file,
#: else ``./hepar-imaging``).
IMAGING_DIR_ENV_VAR = "HEPAR_IMAGING_DIR"
JOB_STAGES = (
    "reconstruct the SPECT",
    "plan the 166Ho activity",
    "compute the absorbed dose",
    "prepare the viewer volumes",
    "record the runs",
)
#: A queued or running job not refreshed for this long lost its runner (the runner refreshes
#: every :data:`_HEARTBEAT`).
STALE_AFTER = timedelta(minutes=2)
_HEARTBEAT = timedelta(seconds=15)
#: The volumes a finished job serves to the viewer (NIfTI), by name.
VOLUMES = {
    "ct": "viewer/ct_hu.nii.gz",
    "spect": "recon/recon_bq_per_ml.nii.gz",
    "dose": "dose/dose_gy.nii.gz",
    "vois": "viewer/voi_labels.nii.gz",
    "isodose": "viewer/isodose_labels.nii.gz",
}


class JobNotFoundError(HeparError):
    """No imaging job of that ID among the patients of the user's site."""


@dataclass(frozen=True)
class JobView:
    """An imaging job as the pages and the API show it."""

    job_id: str
    study_id: str
    state: str
    stage: int
    n_stages: int
    stage_name: str
    error: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    parameters: dict[str, Any]
    result: dict[str, Any] | None


def imaging_root(store: Store) -> Path:
    """The imaging folder of ``store``: ``$HEPAR_IMAGING_DIR``, else beside an SQLite file."""
    chosen = os.environ.get(IMAGING_DIR_ENV_VAR)
    if chosen:
        return Path(chosen)
    database = store.engine.url.database if store.backend == "sqlite" else None
    if database and database != ":memory:":
        return Path(database).with_name(Path(database).name + ".imaging")
    return Path("hepar-imaging")


def _now() -> datetime:
    return datetime.now(UTC)


def _view(job: ImagingJob, study_id: str) -> JobView:
    return JobView(job.job_id, study_id, job.state, job.stage, job.n_stages, job.stage_name,
                   job.error, job.created_by, job.created_at, job.updated_at,
                   json.loads(job.parameters), json.loads(job.result) if job.result else None)


def _not_found(job_id: str) -> JobNotFoundError:
    return JobNotFoundError(field="job_id", value=job_id,
                            expected="the ID of an imaging job of a patient of your site")


def _scoped_job(session: Any, user: WebUser, job_id: str) -> tuple[ImagingJob, str]:
    query = select(ImagingJob, Patient.study_id).join(
        Patient, Patient.id == ImagingJob.patient_id).where(ImagingJob.job_id == job_id)
    if user.site_id is not None:
        query = query.where(Patient.site_id == user.site_id)
    row = session.execute(query).first()
    if row is None:
        raise _not_found(job_id)
    return row[0], row[1]


def _fail_if_stale(store: Store, job: ImagingJob, study_id: str) -> JobView:
    if job.state in ("queued", "running") and _now() - job.updated_at > STALE_AFTER:
        _update(store, job.job_id, state="failed",
                error=str(InvalidValueError(
                    field="job", value=job.state,
                    expected="a job that runs to its end (its server stopped while it ran; "
                             "upload the study again)")))
        with store.read() as session:
            fresh = session.scalar(select(ImagingJob).where(ImagingJob.job_id == job.job_id))
            assert fresh is not None
            return _view(fresh, study_id)
    return _view(job, study_id)


def job_view(store: Store, user: WebUser, job_id: str) -> JobView:
    """The job ``job_id`` if its patient is of the user's site."""
    with store.read() as session:
        job, study_id = _scoped_job(session, user, job_id)
    return _fail_if_stale(store, job, study_id)


def patient_jobs(store: Store, user: WebUser, study_id: str) -> list[JobView]:
    """The imaging jobs of patient ``study_id`` (visible to the user), newest first."""
    visible_patient(store, user, study_id)
    with store.read() as session:
        jobs = list(session.scalars(select(ImagingJob).join(
            Patient, Patient.id == ImagingJob.patient_id).where(
            Patient.study_id == study_id).order_by(ImagingJob.created_at.desc(),
                                                   ImagingJob.id.desc())))
    return [_fail_if_stale(store, job, study_id) for job in jobs]


def _update(store: Store, job_id: str, **changes: Any) -> None:
    """Write the job's new state (not audited: not study data), refreshing ``updated_at``."""
    with store.write(_job_actor(store, job_id)) as session:
        job = session.scalar(select(ImagingJob).where(ImagingJob.job_id == job_id))
        assert job is not None
        for key, value in changes.items():
            setattr(job, key, value)
        job.updated_at = _now()


def _job_actor(store: Store, job_id: str) -> str:
    with store.read() as session:
        name = session.scalar(select(ImagingJob.created_by).where(ImagingJob.job_id == job_id))
    assert name is not None
    return name


def may_run_imaging(user: WebUser) -> None:
    """Refuse a user whose role may not write imaging studies and processing runs."""
    if user.role not in WRITERS["imaging_studies"] or user.role not in WRITERS["processing_runs"]:
        allowed = sorted(r.value for r in WRITERS["imaging_studies"] & WRITERS["processing_runs"])
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected=f"one of {allowed} to upload and process imaging")


def check_job_options(*, kind: str, activity_mbq: float, hours_after_administration: float,
                      protocol: str = "registry") -> None:
    """Refuse options a job could not use (before anything is uploaded into the store)."""
    from hepar.clinical import check_activity
    from hepar.io import load_protocol

    if kind not in ("scout", "treatment"):
        raise InvalidValueError(field="kind", value=kind, expected="'scout' or 'treatment'")
    study = load_protocol(protocol)
    check_activity(study.plausibility, activity_mbq, field="activity_mbq", protocol=study.name)
    limit = study.plausibility.calibration_to_administration_max_h
    if not 0 <= hours_after_administration <= limit:
        raise InvalidValueError(field="hours_after_administration",
                                value=hours_after_administration,
                                expected=f"hours from the administration to the scan start, "
                                         f"0 to {limit:g}")


def submit_study(store: Store, user: WebUser, study_id: str,
                 files: Iterable[tuple[str, IO[bytes]]], *, kind: str, activity_mbq: float,
                 hours_after_administration: float, root: Path | None = None) -> JobView:
    """Check an uploaded study, pseudonymise it into the store and queue its job.

    Refused with the one-line error, and with nothing written, when the user may not, the
    patient is not of their site, an option is wrong or the upload is not a readable SPECT/CT
    study (:mod:`hepar.services.web_imaging_upload`).
    """
    from .web_imaging_upload import as_hepar_error, check_study, ingest_study, unpack_upload

    may_run_imaging(user)
    visible_patient(store, user, study_id)
    check_job_options(kind=kind, activity_mbq=activity_mbq,
                      hours_after_administration=hours_after_administration)
    base = (root or imaging_root(store)) / study_id
    folder, unpacked = unpack_upload(files)
    try:
        try:
            upload = check_study(unpacked, folder)
            base.mkdir(parents=True, exist_ok=True)
            saved = ingest_study(store, user.username, upload, study_id=study_id,
                                 location=base / "dicom")
        except HeparError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError) as error:
            # a library's own error on a file it could not read: the user's one line
            raise as_hepar_error(error, "study") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert upload.ct is not None and upload.structures is not None
    job_id = secrets.token_urlsafe(16)
    parameters = {
        "kind": kind, "activity_mbq": activity_mbq,
        "hours_after_administration": hours_after_administration,
        "series": {"ct": saved[upload.ct].id,
                   "projections": [saved[uid].id for uid in upload.projections],
                   "structures": saved[upload.structures].id},
    }
    now = _now()
    with store.write(user.username) as session:
        patient_id = session.scalar(select(Patient.id).where(Patient.study_id == study_id))
        session.add(ImagingJob(
            job_id=job_id, patient_id=patient_id, created_by=user.username, created_at=now,
            updated_at=now, state="queued", stage=0, n_stages=len(JOB_STAGES),
            stage_name="queued", error=None, parameters=json.dumps(parameters),
            folder=str(base / "jobs" / job_id), result=None))
    return job_view(store, user, job_id)


def _series_paths(store: Store, ids: dict[str, Any]) -> dict[str, Any]:
    with store.read() as session:
        rows = {row.id: row for row in session.scalars(select(ImagingStudy).where(
            ImagingStudy.id.in_([ids["ct"], ids["structures"], *ids["projections"]])))}
    def files(row_id: int) -> list[Path]:
        return sorted(Path(rows[row_id].location).glob("*.dcm"))
    return {
        "ct": Path(rows[ids["ct"]].location),
        "structures": files(ids["structures"])[0],
        "projections": [files(i)[0] for i in ids["projections"]],
        "sha256": {f"imaging_studies#{i}": rows[i].sha256 for i in rows},
    }


def run_imaging_job(store: Store, job_id: str, *,
                    on_change: Callable[[str, int, str], None] | None = None) -> None:
    """Run the job ``job_id`` to its end: each stage's start, and the end (done, or failed with
    the one-line error), are written to its row. ``on_change(state, stage, stage_name)`` is also
    called at each change. A failed job leaves no output folder behind."""
    from ._web_imaging_stages import run_stages

    with store.read() as session:
        job = session.scalar(select(ImagingJob).where(ImagingJob.job_id == job_id))
        study_id = session.scalar(select(Patient.study_id).where(Patient.id == job.patient_id)) \
            if job is not None else None
    if job is None or study_id is None:
        raise _not_found(job_id)
    parameters = json.loads(job.parameters)
    folder = Path(job.folder)

    def stage(number: int, name: str) -> None:
        _update(store, job_id, state="running", stage=number, stage_name=name)
        if on_change is not None:
            on_change("running", number, name)

    try:
        paths = _series_paths(store, parameters["series"])
        result = run_stages(store, job.created_by, study_id=study_id, folder=folder,
                            parameters=parameters, paths=paths, stages=JOB_STAGES, stage=stage,
                            version=__version__)
    except Exception as error:  # the job fails with its one line; the server goes on
        first = str(error).splitlines()[0] if str(error) else ""
        line = str(error) if isinstance(error, HeparError) else str(InvalidValueError(
            field="job", value=type(error).__name__,
            expected=f"a run without an internal error ({first}; see the server log)"))
        if not isinstance(error, HeparError):
            _log.exception("imaging job %s failed", job_id)
        shutil.rmtree(folder, ignore_errors=True)
        _update(store, job_id, state="failed", error=line.splitlines()[0])
        if on_change is not None:
            on_change("failed", -1, line)
        return
    _update(store, job_id, state="done", stage=len(JOB_STAGES), stage_name="done",
            result=json.dumps(result, default=str, allow_nan=False))
    if on_change is not None:
        on_change("done", len(JOB_STAGES), "done")


def _done_job(store: Store, user: WebUser, job_id: str) -> JobView:
    view = job_view(store, user, job_id)
    if view.state != "done" or view.result is None:
        raise InvalidValueError(field="job.state", value=view.state,
                                expected="a finished ('done') job")
    return view


def job_volume(store: Store, user: WebUser, job_id: str, name: str) -> Path:
    """The NIfTI file ``name`` (:data:`VOLUMES`) of a finished job of the user's site."""
    if name not in VOLUMES:
        raise InvalidValueError(field="volume", value=name, expected=f"one of {sorted(VOLUMES)}")
    with store.read() as session:
        job, _study = _scoped_job(session, user, job_id)
    _done_job(store, user, job_id)
    return Path(job.folder) / VOLUMES[name]


def job_dvh(store: Store, user: WebUser, job_id: str) -> dict[str, Any]:
    """The cumulative DVH of each VOI of a finished job: ``{voi: {"dose_gy": [...],
    "volume_percent": [...]}}`` (from the dose calculation's ``dvh.csv``)."""
    import csv

    with store.read() as session:
        job, _study = _scoped_job(session, user, job_id)
    _done_job(store, user, job_id)
    path = Path(job.folder) / "dose" / "dvh.csv"
    curves: dict[str, dict[str, list[float]]] = {}
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                curve = curves.setdefault(row["voi"], {"dose_gy": [], "volume_percent": []})
                curve["dose_gy"].append(float(row["dose_gy"]))
                curve["volume_percent"].append(float(row["cumulative_percent"]))
    return curves


class JobRunner:
    """Runs imaging jobs one at a time in a background thread of this process, refreshing the
    ``updated_at`` of every job it holds (queued or running) so that readers elsewhere know it is
    alive."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hepar-imaging")
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name="hepar-imaging-heartbeat",
                                      daemon=True)
        self._beat.start()

    def submit(self, job_id: str) -> None:
        """Queue ``job_id`` (already recorded as queued)."""
        with self._lock:
            self._held.add(job_id)
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            run_imaging_job(self._store, job_id)
        except Exception:  # a job whose row is gone: nothing to report it on
            _log.exception("imaging job %s could not run", job_id)
        finally:
            with self._lock:
                self._held.discard(job_id)

    def _heartbeat(self) -> None:
        while not self._stop.wait(_HEARTBEAT.total_seconds()):
            with self._lock:
                held = list(self._held)
            for job_id in held:
                try:
                    _update(self._store, job_id)
                except Exception:  # the database is busy or gone: the next beat tries again
                    _log.warning("imaging job %s: heartbeat not written", job_id)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the heartbeat and (with ``wait``) let the queued jobs finish."""
        self._stop.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


def user_may_upload(user: WebUser) -> bool:
    """Whether the page shows the upload form to ``user``."""
    return not user.read_only and Role(user.role) in WRITERS["imaging_studies"] & \
        WRITERS["processing_runs"]
