"""Imaging jobs as use cases: the state written at each transition (queued -> running stage 1..n
-> done, or failed with its one line and no folder left), a job whose runner stopped reported
failed, and the ``imaging_jobs`` migration up and down."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from imaging_case import StudyFiles, add_physicists, consented_patient, shared_study
from sqlalchemy import inspect, select

from hepar.services.web_auth import web_user
from hepar.services.web_imaging import (
    JOB_STAGES,
    STALE_AFTER,
    JobNotFoundError,
    job_view,
    run_imaging_job,
    submit_study,
)
from hepar.store import ImagingJob, ImagingStudy, Store, head_revision, upgrade

PATIENT = "HP-A-JOBS000001"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return shared_study(tmp_path_factory)


@pytest.fixture
def imaging_store(store: Store) -> Store:
    add_physicists(store)
    consented_patient(store, PATIENT, "A")
    return store


def _submit(store: Store, study: StudyFiles, root: Path) -> str:
    view = submit_study(store, web_user(store, "physicist.a"), PATIENT,  # type: ignore[arg-type]
                        [("study.zip", io.BytesIO(study.zip_bytes()))], kind="scout",
                        activity_mbq=study.activity_mbq,
                        hours_after_administration=study.hours_after_administration,
                        root=root)
    assert (view.state, view.stage, view.n_stages) == ("queued", 0, len(JOB_STAGES))
    return view.job_id


def test_each_transition_is_written_and_the_failed_job_leaves_nothing(imaging_store, study,
                                                                       tmp_path):
    user = web_user(imaging_store, "physicist.a")
    assert user is not None
    job_id = _submit(imaging_store, study, tmp_path)
    seen: list[tuple[str, int]] = []

    def record(state: str, stage: int, name: str) -> None:
        stored = job_view(imaging_store, user, job_id)  # what a page reload would show
        assert (stored.state, stored.stage) == (state, stage)
        if not seen or seen[-1] != (state, stage):
            seen.append((state, stage))

    run_imaging_job(imaging_store, job_id, on_change=record)
    assert seen == [("running", k) for k in range(1, len(JOB_STAGES) + 1)] + [
        ("done", len(JOB_STAGES))]
    done = job_view(imaging_store, user, job_id)
    assert done.error is None and done.result is not None
    assert done.result["plan"]["activity_mbq"] > 0

    # a second job whose CT went missing from the store fails in stage 1 with one line
    second = _submit_again(imaging_store, study, tmp_path)
    with imaging_store.read() as session:
        ct = session.scalars(select(ImagingStudy).where(ImagingStudy.modality == "CT")).first()
        folder = Path(session.scalar(select(ImagingJob.folder).where(
            ImagingJob.job_id == second)) or "")
    assert ct is not None
    shutil.rmtree(ct.location)
    run_imaging_job(imaging_store, second)
    failed = job_view(imaging_store, user, second)
    assert failed.state == "failed" and failed.stage == 1
    assert failed.error is not None and "\n" not in failed.error and "expected" in failed.error
    assert not folder.exists() and not folder.with_name(f".{folder.name}.partial").exists()


def _submit_again(store: Store, study: StudyFiles, root: Path) -> str:
    # the same series cannot enter the store twice: queue a job on the stored series directly
    with store.write("physicist.a") as session:
        first = session.scalars(select(ImagingJob)).first()
        assert first is not None
        clone = ImagingJob(job_id="second-job-of-the-test", patient_id=first.patient_id,
                           created_by=first.created_by, created_at=first.created_at,
                           updated_at=first.updated_at, state="queued", stage=0,
                           n_stages=first.n_stages, stage_name="queued", error=None,
                           parameters=first.parameters,
                           folder=str(Path(first.folder).with_name("second")), result=None)
        session.add(clone)
    return "second-job-of-the-test"


def test_a_job_whose_runner_stopped_is_reported_failed(imaging_store):
    from datetime import UTC, datetime

    user = web_user(imaging_store, "physicist.a")
    assert user is not None
    old = datetime.now(UTC) - STALE_AFTER - timedelta(seconds=1)
    with imaging_store.read() as session:
        from hepar.store import Patient
        patient_id = session.scalar(select(Patient.id).where(Patient.study_id == PATIENT))
    with imaging_store.write("physicist.a") as session:
        session.add(ImagingJob(job_id="stopped", patient_id=patient_id,
                               created_by="physicist.a", created_at=old, updated_at=old,
                               state="running", stage=2, n_stages=5, stage_name=JOB_STAGES[1],
                               error=None, parameters="{}", folder="unused", result=None))
    view = job_view(imaging_store, user, "stopped")
    assert view.state == "failed"
    assert view.error == ("job = 'running': expected a job that runs to its end (its server "
                          "stopped while it ran; upload the study again)")
    other = web_user(imaging_store, "physicist.b")
    assert other is not None
    with pytest.raises(JobNotFoundError, match="job_id = 'stopped'"):
        job_view(imaging_store, other, "stopped")


def test_the_imaging_jobs_migration_goes_up_and_down(tmp_path):
    from alembic import command
    from alembic.script import ScriptDirectory

    from hepar.store._migrate import alembic_config

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert upgrade(store.engine) == head_revision()
        assert "imaging_jobs" in inspect(store.engine).get_table_names()
        config = alembic_config()
        below = ScriptDirectory.from_config(config).get_revision("0004").down_revision
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, str(below))  # down to just below the imaging jobs
        assert "imaging_jobs" not in inspect(store.engine).get_table_names()
        assert "web_credentials" in inspect(store.engine).get_table_names()
        assert upgrade(store.engine) == head_revision()
        assert "imaging_jobs" in inspect(store.engine).get_table_names()
    finally:
        store.dispose()
