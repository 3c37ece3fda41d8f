"""The ePRO screen: a patient answers the QoL booklet on a tablet, in their own language.

Two ways in:

* a staff member starts it from the patient's page; the browser is then signed out (the patient
  must not reach the staff's pages) and shows only the booklet, by a signed one-time link valid for
  :data:`EPRO_MAX_AGE_S`. The answers are saved through
  :func:`hepar.services.study_records.record_qol` as the staff member who started the screen
  (named in the audit trail);
* a patient with their own sign-in (a user of role ``patient`` linked to their record) signs in and
  gets the booklet at ``/my-questionnaire``; the answers are saved as that patient.

The booklet is in the language on the patient's record (the staff member's choice is recorded
there when it differs): the item labels from the site's licensed file for that language, "Item n"
otherwise; the screen's texts in that language when the interface has it (English otherwise).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData

from hepar.clinical import QuestionnaireAnswers
from hepar.physics import S_PER_H
from hepar.services.study_records import record_qol
from hepar.services.web_auth import WebUser, web_user
from hepar.services.web_epro import epro_items
from hepar.services.web_patients import list_patients, set_patient_language, visible_patient
from hepar.store import PermissionDeniedError, Role

from ._i18n import LANGUAGES, current_language
from ._security import CurrentUser, StoreDep, WritingUser, check_csrf, new_session
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


def _interface(language: str) -> str:
    return language if language in LANGUAGES else "en"


@router.post("/patients/{study_id}/epro")
def start_epro(request: Request, study_id: str, user: WritingUser, store: StoreDep,
               language: Annotated[str, Form(max_length=2)] = "",
               visit_code: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Start the ePRO screen for ``study_id`` in the patient's language (``language``, when
    given, is recorded as it); sign this browser out."""
    patient = visible_patient(store, user, study_id)
    chosen = language or patient.language or "en"
    if chosen != patient.language:
        set_patient_language(store, user, study_id, chosen)
    token = _serializer(request).dumps({"p": study_id, "s": user.username, "l": chosen,
                                        "c": patient.site, "v": visit_code,
                                        "n": secrets.token_urlsafe(16)})
    request.state.session = new_session()  # staff are signed out of this screen
    return RedirectResponse(f"/epro/{token}", status_code=303)


def _booklet(request: Request, action: str, language: str, site: str | None,
             **context: Any) -> HTMLResponse:
    current_language.set(_interface(language))
    return render(request, "epro.html", context.pop("user", None), action=action,
                  items=epro_items(language, site_code=site), **context)


def _page(request: Request, ticket: dict[str, str] | None, token: str) -> HTMLResponse:
    if ticket is None:
        return render(request, "epro_done.html", None, status_code=410, expired=True)
    return _booklet(request, f"/epro/{token}", ticket["l"], ticket.get("c"))


def _answers(form: FormData, language: str, site: str | None) -> QuestionnaireAnswers:
    answers: dict[int, int | None] = {}
    for item in epro_items(language, site_code=site):
        value = form.get(f"item{item.number}")
        answers[item.number] = int(value) if isinstance(value, str) and value.isdigit() else None
    return QuestionnaireAnswers(answers=answers, completed_on=datetime.now(UTC).date())


def _done(request: Request, language: str, booklet: QuestionnaireAnswers,
          user: WebUser | None = None) -> HTMLResponse:
    current_language.set(_interface(language))
    return render(request, "epro_done.html", user, expired=False,
                  answered=sum(v is not None for v in booklet.answers.values()))


@router.get("/epro/{token}", response_class=HTMLResponse)
def epro_page(request: Request, token: str) -> HTMLResponse:
    return _page(request, _ticket(request, token), token)


@router.post("/epro/{token}", response_class=HTMLResponse)
async def epro_submit(request: Request, token: str, store: StoreDep,
                      _csrf: Annotated[None, Depends(check_csrf)]) -> HTMLResponse:
    ticket = _ticket(request, token)
    if ticket is None:
        return _page(request, None, token)
    booklet = _answers(await request.form(), ticket["l"], ticket.get("c"))
    staff = web_user(store, ticket["s"])
    if staff is None:
        return _page(request, None, token)
    visible_patient(store, staff, ticket["p"])
    record_qol(store, staff.username, study_id=ticket["p"], answers=booklet,
               visit_code=ticket.get("v") or None)
    request.app.state.epro_used.add(ticket["n"])
    return _done(request, ticket["l"], booklet)


def _own_record(store: StoreDep, user: WebUser) -> tuple[str, str, str | None]:
    if user.role is not Role.PATIENT:
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected="a patient's own sign-in for /my-questionnaire")
    own = list_patients(store, user)
    if len(own) != 1:
        raise PermissionDeniedError(field="user", value=user.username,
                                    expected="a patient user linked to their record")
    return own[0].study_id, own[0].language or "en", own[0].site


@router.get("/my-questionnaire", response_class=HTMLResponse)
def own_booklet(request: Request, user: CurrentUser, store: StoreDep) -> HTMLResponse:
    """The signed-in patient's own QoL booklet, in their language."""
    _study_id, language, site = _own_record(store, user)
    return _booklet(request, "/my-questionnaire", language, site, user=user)


@router.post("/my-questionnaire", response_class=HTMLResponse)
async def own_booklet_submit(request: Request, user: CurrentUser, store: StoreDep,
                             _csrf: Annotated[None, Depends(check_csrf)]) -> HTMLResponse:
    study_id, language, site = _own_record(store, user)
    booklet = _answers(await request.form(), language, site)
    record_qol(store, user.username, study_id=study_id, answers=booklet)
    return _done(request, language, booklet, user)
