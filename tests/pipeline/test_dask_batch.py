"""The per-patient pipeline as Dask tasks on a LocalCluster of 2 worker processes gives the
same numbers as the serial run; a failing patient fails alone with its named error."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from hepar.pipeline import PatientFailure, PatientImaging, run_jobs, study_jobs

pytestmark = pytest.mark.slow


def _numbers(found: PatientImaging | PatientFailure, root: Path) -> dict[str, object]:
    data = asdict(found)
    data.pop("folder", None)
    if isinstance(data.get("message"), str):  # an error names its file: relative to the run
        data["message"] = data["message"].replace(str(root), "<run>")
    return data


def test_two_dask_workers_give_the_serial_numbers(tmp_path: Path) -> None:
    jobs = study_jobs(3, 2, "tiny")
    serial = run_jobs(jobs, tmp_path / "serial", workers=1)
    parallel = run_jobs(jobs, tmp_path / "dask", workers=2)
    assert [_numbers(f, tmp_path / "dask") for f in parallel] == [
        _numbers(f, tmp_path / "serial") for f in serial]
    assert any(isinstance(f, PatientImaging) for f in serial)
    for failed in (f for f in parallel if isinstance(f, PatientFailure)):
        # failed alone, named, and nothing half-written left behind
        assert failed.error.endswith("Error") and failed.message
        assert not (tmp_path / "dask" / failed.patient_id).exists()
        assert not (tmp_path / "dask" / f"{failed.patient_id}.partial").exists()
