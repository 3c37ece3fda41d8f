"""Server-rendered pages (Jinja2): sign-in, dashboard, patient list and timeline.

The pages read through the same services as the API; their scripts (``static/hepar.js``) call the
API for live verdicts, quoting the CSRF token from the page's ``<meta name="csrf-token">``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hepar.errors import HeparError
from hepar.services.web_auth import WebUser
from hepar.services.web_dashboard import dashboard
from hepar.services.web_patients import list_patients, patient_timeline

from ._security import CurrentUser, StoreDep, check_csrf, csrf_token, optional_user

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
            **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": csrf_token(request), **context},
        status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", optional_user(request), error=None)


@router.post("/login", response_class=HTMLResponse)
def login_form(request: Request, store: StoreDep, username: Annotated[str, Form()],
               password: Annotated[str, Form()],
               _csrf: Annotated[None, Depends(check_csrf)]) -> Response:
    from .api_auth import sign_in

    try:
        sign_in(request, store, username, password)
    except HeparError as error:
        from ._errors import status_of

        return _render(request, "login.html", None, status_code=status_of(error),
                       error=str(error))
    return RedirectResponse("/", status_code=303)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, user: CurrentUser, store: StoreDep) -> HTMLResponse:
    board = dashboard(store, user, now=datetime.now(UTC))
    return _render(request, "dashboard.html", user, board=board,
                   patients=list_patients(store, user))


@router.get("/patients/{study_id}", response_class=HTMLResponse)
def patient_page(request: Request, study_id: str, user: CurrentUser,
                 store: StoreDep) -> HTMLResponse:
    return _render(request, "patient.html", user,
                   timeline=asdict(patient_timeline(store, user, study_id)))
