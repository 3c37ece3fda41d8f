"""The monitors' pages and their endpoints: the audit trail (read only, filtered by patient and
table, paged) and the study's data export (CSV as a zip, or CDISC ODM), through
:mod:`hepar.services.web_monitor`."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from hepar.services.web_monitor import (
    AUDIT_READERS,
    EXPORTERS,
    MAX_PAGE,
    PAGE_SIZE_MAX,
    audit_page,
    export_file,
)

from ._security import CurrentUser, StoreDep
from .pages import render

__all__ = ["api", "router"]

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["monitor"])


@api.get("/audit")
def audit(user: CurrentUser, store: StoreDep, study_id: str | None = None,
          table: str | None = None, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
          page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 50) -> dict[str, Any]:
    """A page of the audit trail (newest first) of the records of your site's patients."""
    found = audit_page(store, user, study_id=study_id or None, table=table or None, page=page,
                       page_size=page_size)
    return {"rows": [asdict(r) for r in found.rows], "total": found.total, "page": found.page,
            "page_size": found.page_size, "pages": found.pages}


@api.get("/export", response_class=FileResponse)
def export(user: CurrentUser, store: StoreDep, format: str = "csv") -> FileResponse:
    """The study's export: ``csv`` (zip of one file per form, audit trail, manifest) or ``odm``
    (CDISC ODM 1.3.2 with the audit records). Study-wide monitors, data managers and
    statisticians only (it holds every site)."""
    path, folder = export_file(store, user, format=format)
    return FileResponse(path, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
                        headers={"Cache-Control": "private, no-store"})


@router.get("/monitor/audit", response_class=HTMLResponse)
def audit_view(request: Request, user: CurrentUser, store: StoreDep,
               study_id: str | None = None, table: str | None = None,
               page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> HTMLResponse:
    found = audit_page(store, user, study_id=study_id or None, table=table or None, page=page)
    return render(request, "audit.html", user, audit=found, study_id=study_id or "",
                  table=table or "")


@router.get("/monitor/export", response_class=HTMLResponse)
def export_view(request: Request, user: CurrentUser) -> HTMLResponse:
    allowed = user.role in EXPORTERS and user.site_id is None
    return render(request, "export.html", user, allowed=allowed,
                  audit_reader=user.role in AUDIT_READERS)
