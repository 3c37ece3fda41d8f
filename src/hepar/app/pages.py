"""Server-rendered pages (Jinja2): sign-in, dashboard, patient timeline with its forms, ePRO.

The pages read through the same services as the API; the forms are sent by ``static/hepar.js``
to the API (quoting the CSRF token of the page's ``<meta name="csrf-token">``), which also gives
the live verdicts, grades, responses and scores while the user types. Texts are translated
(:mod:`hepar.app._i18n`).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hepar.errors import HeparError
from hepar.physics import S_PER_H
from hepar.services.web_auth import WebUser
from hepar.services.web_dashboard import dashboard
from hepar.services.web_patients import list_patients, patient_timeline
from hepar.services.web_screening import AE_CHOICES, LAB_UNITS, screening_form
from hepar.services.web_users import USER_MANAGERS, list_users
from hepar.store import Role

from ._i18n import LANG_COOKIE, LANGUAGES, current_language, gettext_, ngettext_
from ._security import CurrentUser, StoreDep, check_csrf, csrf_token, optional_user

__all__ = ["render", "router", "templates"]

router = APIRouter(include_in_schema=False)
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True, extensions=["jinja2.ext.i18n"])
_env.install_gettext_callables(gettext_, ngettext_, newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=_env)
templates.env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2, default=str)


def render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """The page ``name`` in the request's language."""
    return templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": csrf_token(request),
                        "language": current_language.get(), "languages": LANGUAGES, **context},
        status_code=status_code)


@router.get("/lang/{code}")
def choose_language(code: str, request: Request) -> Response:
    """Remember the interface language (a preference cookie) and go back."""
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/",
                                status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=int(365 * 24 * S_PER_H), samesite="lax")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", optional_user(request), error=None)


@router.post("/login", response_class=HTMLResponse)
def login_form(request: Request, store: StoreDep, username: Annotated[str, Form()],
               password: Annotated[str, Form()],
               _csrf: Annotated[None, Depends(check_csrf)]) -> Response:
    from ._errors import status_of
    from .api_auth import sign_in

    try:
        sign_in(request, store, username, password)
    except HeparError as error:
        return render(request, "login.html", None, status_code=status_of(error),
                      error=str(error))
    return RedirectResponse("/", status_code=303)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, user: CurrentUser, store: StoreDep) -> Response:
    if user.role is Role.PATIENT:  # a patient's own sign-in reaches their booklet only
        return RedirectResponse("/my-questionnaire", status_code=303)
    board = dashboard(store, user, now=datetime.now(UTC))
    users = list_users(store, user.username) if user.role in USER_MANAGERS else None
    return render(request, "dashboard.html", user, board=board,
                  patients=list_patients(store, user), users=users,
                  roles=[r.value for r in Role])


@router.get("/patients/{study_id}", response_class=HTMLResponse)
def patient_page(request: Request, study_id: str, user: CurrentUser,
                 store: StoreDep) -> HTMLResponse:
    timeline = asdict(patient_timeline(store, user, study_id))
    return render(request, "patient.html", user, timeline=timeline,
                  screening=screening_form(), units=LAB_UNITS, ae_choices=AE_CHOICES)
