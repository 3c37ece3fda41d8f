"""The demo study on the per-patient pipeline: screen the cohort, image every enrolled patient
(serially, or as Dask tasks on a ``LocalCluster``), then the database, analysis and report
(:func:`hepar.services.study_demo.finish_study`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ._patient import PatientImaging, PatientJob, run_patient

__all__ = ["STUDY_MARKER", "STUDY_STAGES", "PatientFailure", "StudyRun", "run_jobs",
           "run_study", "study_jobs"]

STUDY_STAGES = ("image patients", "database, analysis and report")
#: progress(stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StudyRun:
    """The study's summary (``study_summary.json``)."""

    summary: dict[str, Any]


def study_jobs(n_patients: int, seed: int, preset: str) -> list[PatientJob]:
    """The enrolled members of the cohort of ``n_patients`` as imaging jobs."""
    from hepar.phantoms import cohort_plan

    return [PatientJob(m.patient_id, m.seed, preset)
            for m in cohort_plan(n_patients, seed=seed) if m.fails is None]


def _guarded(job: PatientJob, folder: Path) -> PatientImaging | PatientFailure:
    """One patient's task: a hepar error (bad input, a check refusing the data) fails this
    patient alone and is returned with its message; anything else is a bug and propagates."""
    from hepar.errors import HeparError

    try:
        return run_patient(job, folder)
    except HeparError as error:
        return PatientFailure(job.patient_id, type(error).__name__, str(error))


@dataclass(frozen=True)
class PatientFailure:
    """A patient whose imaging failed: its ID, the error's class and message."""

    patient_id: str
    error: str
    message: str


def run_jobs(jobs: Sequence[PatientJob], folder: Path, *, workers: int = 1,
             progress: Progress | None = None) -> list[PatientImaging | PatientFailure]:
    """Image ``jobs`` into ``folder/<patient_id>``: in this process for one worker, else as
    one Dask task per patient on a local cluster of ``workers`` processes (one thread each)."""
    from ._runner import run_tasks

    say = progress or (lambda stage, done, total: None)
    finished: list[int] = []

    def arrived(_index: int, _found: PatientImaging | PatientFailure) -> None:
        finished.append(_index)
        say(STUDY_STAGES[0], len(finished), len(jobs))

    say(STUDY_STAGES[0], 0, len(jobs))
    return run_tasks(partial(_guarded_in, folder), jobs, workers=workers,
                     keys=[f"patient-{job.key()}" for job in jobs], on_result=arrived)


def _guarded_in(folder: Path, job: PatientJob) -> PatientImaging | PatientFailure:
    return _guarded(job, folder / job.patient_id)


def run_study(out: Path, *, n_patients: int, seed: int = 0, preset: str = "clinical",
              workers: int = 1, pdf: bool = True, progress: Progress | None = None
              ) -> StudyRun:
    """Run the virtual study of ``n_patients`` enrolled patients under ``out``.

    ``out/patients/<id>/`` holds each patient's imaging (a ``hepar demo`` single-patient
    folder plus ``imaging_result.json``), reused when its key matches (resume); then
    ``study.db``, ``export/``, ``report/`` and ``study_summary.json``.
    """
    from hepar.io import write_json_atomically
    from hepar.services.study_demo import finish_study

    say = progress or (lambda stage, done, total: None)
    _prepare(out)
    jobs = study_jobs(n_patients, seed, preset)
    (out / "patients").mkdir(parents=True, exist_ok=True)
    done = run_jobs(jobs, out / "patients", workers=workers, progress=say)
    imaging = [found for found in done if isinstance(found, PatientImaging)]
    failures = [found for found in done if isinstance(found, PatientFailure)]
    say(STUDY_STAGES[1], 0, 1)
    outcome = finish_study(out, n_patients=n_patients, seed=seed, preset=preset,
                           imaging=imaging, pdf=pdf)
    say(STUDY_STAGES[1], 1, 1)
    primary = outcome.analysis.primary
    summary = {
        "patients": n_patients, "seed": seed, "preset": preset, "workers": workers,
        "database": str(outcome.database), "report_html": str(outcome.report_html),
        "report_pdf": None if outcome.report_pdf is None else str(outcome.report_pdf),
        "database_export_sha256": outcome.export_sha256, "audit_verified": outcome.audit_ok,
        "primary_endpoint": outcome.headline,
        "primary_endpoint_rate": _rate(primary),
        "dose_for_50pct_response_gy": outcome.analysis.dose_response.d50_gy,
        "imaging": [asdict(found) for found in imaging],
        "failed": [asdict(found) for found in failures],
        "patients_imaged": len(imaging), "patients_failed": len(failures),
        "truth_checks": outcome.checks,
        "patient_dosimetry_reports": {k: str(v) for k, v in outcome.patient_reports.items()},
    }
    write_json_atomically(json.loads(json.dumps(summary, default=str)),
                          out / "study_summary.json", overwrite=True)
    return StudyRun(summary)


#: Marks a folder as a study demo's (resumable; replaced only with overwrite).
STUDY_MARKER = ".hepar-study"


def _prepare(out: Path) -> None:
    from hepar.errors import InvalidValueError

    if out.exists() and any(out.iterdir()) and not (out / STUDY_MARKER).exists():
        raise InvalidValueError(
            field="out", value=str(out),
            expected=f"a new or empty folder, or an earlier study demo's ({STUDY_MARKER}) to "
            "resume (--overwrite replaces it)")
    out.mkdir(parents=True, exist_ok=True)
    (out / STUDY_MARKER).write_text("written by hepar demo --patients\n", encoding="utf-8")


def _rate(primary: Any) -> dict[str, Any] | None:
    rate = getattr(primary, "per_protocol", None)
    if rate is None:
        return None
    return {"responders": rate.events, "evaluable": rate.total, "rate": rate.rate}
