"""``/api/patients/{study_id}/imaging`` and ``/api/imaging/jobs``: upload a SPECT/CT study, follow
its background job (reconstruct -> plan -> dose), read its volumes (NIfTI), DVH and reports.

Every read checks the patient's site: another site's job, volume or report answers 404, as one
that does not exist. Uploading needs a role that may write imaging studies and processing runs
(403 otherwise, monitors included).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from hepar.services.web_imaging import (
    JobNotFoundError,
    JobRunner,
    imaging_root,
    job_dvh,
    job_view,
    job_volume,
    patient_jobs,
    submit_study,
)
from hepar.services.web_imaging_reports import ReportNotFoundError, patient_reports, report_file

from ._security import CurrentUser, StoreDep, WritingUser

__all__ = ["JobOut", "ReportOut", "imaging_folder", "job_runner", "router"]

router = APIRouter(prefix="/api", tags=["imaging"])


class JobOut(BaseModel):
    """An imaging job: ``state`` queued, running (``stage`` of ``n_stages``, ``stage_name``),
    done (``result``) or failed (``error``, one line)."""

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


class ReportOut(BaseModel):
    """A report that exists for download."""

    name: str
    kind: str
    url: str


def imaging_folder(request: Request) -> Path:
    """Where this app keeps imaging files (``app.state.imaging_root``, else beside the DB)."""
    chosen = getattr(request.app.state, "imaging_root", None)
    return Path(chosen) if chosen else imaging_root(request.app.state.store)


def job_runner(request: Request) -> JobRunner:
    """The app's background runner (made on first use)."""
    runner = getattr(request.app.state, "imaging_runner", None)
    if runner is None:
        runner = request.app.state.imaging_runner = JobRunner(request.app.state.store)
    return runner


def _not_found(error: Exception) -> HTTPException:
    return HTTPException(status_code=404, detail=str(error))


@router.post("/patients/{study_id}/imaging", response_model=JobOut, status_code=202)
def upload(study_id: str, request: Request, user: WritingUser, store: StoreDep,
           files: Annotated[list[UploadFile], File(description="a zip archive, or the files "
                                                               "of a study folder")],
           kind: Annotated[str, Form(description="scout or treatment")],
           activity_mbq: Annotated[float, Form(description="administered 166Ho activity")],
           hours_after_administration: Annotated[float, Form(
               description="hours from the administration to the scan start")]) -> JobOut:
    """Upload a SPECT/CT study (CT series, NM TOMO projections, SEG or RTSTRUCT with a
    ``liver``): pseudonymised into the store, then reconstructed, planned and dosed in the
    background. Answers the queued job; poll ``GET /api/imaging/jobs/{job_id}``."""
    view = submit_study(store, user, study_id,
                        [(f.filename or "upload", f.file) for f in files], kind=kind,
                        activity_mbq=activity_mbq,
                        hours_after_administration=hours_after_administration,
                        root=imaging_folder(request))
    job_runner(request).submit(view.job_id)
    return JobOut(**asdict(view))


@router.get("/patients/{study_id}/imaging/jobs", response_model=list[JobOut])
def jobs(study_id: str, user: CurrentUser, store: StoreDep) -> list[JobOut]:
    """The patient's imaging jobs, newest first."""
    return [JobOut(**asdict(v)) for v in patient_jobs(store, user, study_id)]


@router.get("/imaging/jobs/{job_id}", response_model=JobOut)
def job(job_id: str, user: CurrentUser, store: StoreDep) -> JobOut:
    """One job's state (404: no such job among your site's patients)."""
    try:
        return JobOut(**asdict(job_view(store, user, job_id)))
    except JobNotFoundError as error:
        raise _not_found(error) from None


@router.get("/imaging/jobs/{job_id}/volumes/{name}.nii.gz", response_class=FileResponse,
            responses={200: {"content": {"application/gzip": {}}}})
def volume(job_id: str, name: str, user: CurrentUser, store: StoreDep) -> FileResponse:
    """A finished job's volume as NIfTI: ``ct`` (HU), ``spect`` (Bq/mL), ``dose`` (Gy),
    ``vois`` (labels), ``isodose`` (bands at the protocol's levels)."""
    try:
        path = job_volume(store, user, job_id, name)
    except JobNotFoundError as error:
        raise _not_found(error) from None
    return FileResponse(path, media_type="application/gzip", filename=f"{name}.nii.gz",
                        headers={"Cache-Control": "private, no-store"})


@router.get("/imaging/jobs/{job_id}/dvh")
def dvh(job_id: str, user: CurrentUser, store: StoreDep) -> dict[str, Any]:
    """The cumulative DVH of each VOI: ``{voi: {"dose_gy": [...], "volume_percent": [...]}}``."""
    try:
        return job_dvh(store, user, job_id)
    except JobNotFoundError as error:
        raise _not_found(error) from None


@router.get("/patients/{study_id}/reports", response_model=list[ReportOut])
def reports(study_id: str, request: Request, user: CurrentUser,
            store: StoreDep) -> list[ReportOut]:
    """The patient's dosimetry report and the study report, those that exist."""
    found = patient_reports(store, user, study_id, root=imaging_folder(request))
    return [ReportOut(name=r.name, kind=r.kind,
                      url=f"/api/patients/{study_id}/reports/{r.name}") for r in found]


@router.get("/patients/{study_id}/reports/{name}", response_class=FileResponse)
def report(study_id: str, name: str, request: Request, user: CurrentUser,
           store: StoreDep) -> FileResponse:
    """Download one report of :func:`reports` (404 when it does not exist)."""
    try:
        path = report_file(store, user, study_id, name, root=imaging_folder(request))
    except ReportNotFoundError as error:
        raise _not_found(error) from None
    return FileResponse(path, filename=path.name, headers={"Cache-Control": "private, no-store"})
