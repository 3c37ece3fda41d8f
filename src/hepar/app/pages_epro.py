"""The ePRO screen: a patient answers the QoL booklet on a tablet, in their own language.

A staff member starts it from the patient's page; the browser is then signed out (the patient
must not reach the staff's pages) and shows only the booklet, by a signed one-time link valid for
:data:`EPRO_MAX_AGE_S`. The answers are saved through
:func:`hepar.services.study_records.record_qol` as the staff member who started the screen (named
in the audit trail).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hepar.clinical import QuestionnaireAnswers
from hepar.physics import S_PER_H
from hepar.services.study_records import record_qol
from hepar.services.web_auth import web_user
from hepar.services.web_epro import epro_items
from hepar.services.web_patients import visible_patient
from hepar.services.web_qol import booklet_scores

from ._i18n import LANGUAGES, current_language
from ._security import StoreDep, WritingUser, check_csrf, new_session
from .pages import render

__all__ = ["EPRO_MAX_AGE_S", "router"]

router = APIRouter(include_in_schema=False)
#: An ePRO link lasts two hours.
EPRO_MAX_AGE_S = int(2 * S_PER_H)


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="hepar-epro")


def _ticket(request: Request, token: str) -> dict[str, str] | None:
    try:
        data = _serializer(request).loads(token, max_age=EPRO_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("n") in request.app.state.epro_used:
        return None
    return data


@router.post("/patients/{study_id}/epro")
def start_epro(request: Request, study_id: str, user: WritingUser, store: StoreDep,
               language: Annotated[str, Form()], visit_code: Annotated[str, Form()] = ""
               ) -> Response:
    """Start the ePRO screen for ``study_id`` in ``language``; sign this browser out."""
    visible_patient(store, user, study_id)
    chosen = language if language in LANGUAGES else "en"
    token = _serializer(request).dumps({"p": study_id, "s": user.username, "l": chosen,
                                        "v": visit_code, "n": secrets.token_urlsafe(16)})
    request.state.session = new_session()  # staff are signed out of this screen
    return RedirectResponse(f"/epro/{token}", status_code=303)


def _page(request: Request, ticket: dict[str, str] | None, token: str) -> HTMLResponse:
    if ticket is None:
        return render(request, "epro_done.html", None, status_code=410, expired=True)
    current_language.set(ticket["l"])
    return render(request, "epro.html", None, token=token, items=epro_items(ticket["l"]))


@router.get("/epro/{token}", response_class=HTMLResponse)
def epro_page(request: Request, token: str) -> HTMLResponse:
    return _page(request, _ticket(request, token), token)


@router.post("/epro/{token}", response_class=HTMLResponse)
async def epro_submit(request: Request, token: str, store: StoreDep,
                      _csrf: Annotated[None, Depends(check_csrf)]) -> HTMLResponse:
    ticket = _ticket(request, token)
    if ticket is None:
        return _page(request, None, token)
    form = await request.form()
    answers: dict[int, int | None] = {}
    for item in epro_items(ticket["l"]):
        value = form.get(f"item{item.number}")
        answers[item.number] = int(value) if isinstance(value, str) and value.isdigit() else None
    booklet = QuestionnaireAnswers(answers=answers, completed_on=datetime.now(UTC).date())
    staff = web_user(store, ticket["s"])
    if staff is None:
        return _page(request, None, token)
    visible_patient(store, staff, ticket["p"])
    record_qol(store, staff.username, study_id=ticket["p"], answers=booklet,
               visit_code=ticket.get("v") or None)
    request.app.state.epro_used.add(ticket["n"])
    current_language.set(ticket["l"])
    return render(request, "epro_done.html", None, expired=False,
                  answered=sum(v is not None for v in answers.values()),
                  summary=booklet_scores(booklet).get("summary"))
