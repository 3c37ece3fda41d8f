"""The imaging pages: a patient's imaging (upload a SPECT/CT study, its jobs' progress polled
from the API, the reports that exist) and the dose viewer of a finished job (NiiVue, bundled at
build time into ``static/viewer/dose_viewer.js`` by ``make``)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from hepar.services.web_imaging import (
    JobNotFoundError,
    job_view,
    patient_jobs,
    user_may_upload,
)
from hepar.services.web_imaging_reports import patient_reports
from hepar.services.web_patients import visible_patient

from ._security import CurrentUser, StoreDep
from .api_imaging import imaging_folder
from .pages import render

__all__ = ["VIEWER_BUNDLE", "router"]

router = APIRouter(include_in_schema=False)
#: The bundled viewer (NiiVue and the page's script), installed by ``make`` (not in git).
VIEWER_BUNDLE = Path(__file__).parent / "static" / "viewer" / "dose_viewer.js"


@router.get("/patients/{study_id}/imaging", response_class=HTMLResponse)
def imaging_page(study_id: str, request: Request, user: CurrentUser,
                 store: StoreDep) -> HTMLResponse:
    patient = visible_patient(store, user, study_id)
    return render(request, "imaging.html", user, patient=patient,
                  jobs=patient_jobs(store, user, study_id),
                  reports=patient_reports(store, user, study_id, root=imaging_folder(request)),
                  may_upload=user_may_upload(user))


@router.get("/imaging/jobs/{job_id}", response_class=HTMLResponse)
def viewer_page(job_id: str, request: Request, user: CurrentUser,
                store: StoreDep) -> HTMLResponse:
    try:
        job = job_view(store, user, job_id)
    except JobNotFoundError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return render(request, "dose_viewer.html", user, job=job,
                  result_json=json.dumps(job.result or {}),
                  bundle_installed=VIEWER_BUNDLE.is_file())
