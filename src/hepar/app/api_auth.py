"""``/api/login``, ``/api/logout``, ``/api/session``: signing in and out over the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from hepar.services.web_auth import LoginRefusedError, authenticate, end_sessions

from ._schemas import LoginIn, SessionOut
from ._security import CurrentUser, StoreDep, check_csrf, new_session, optional_user, session_of

__all__ = ["router", "sign_in"]

router = APIRouter(prefix="/api", tags=["session"])


def sign_in(request: Request, store: StoreDep, username: str, password: str) -> SessionOut:
    """Check the throttle and the password; on success replace the session (new CSRF token)."""
    throttle = request.app.state.throttle
    address = request.client.host if request.client else "unknown"
    throttle.check(username, address)
    try:
        user = authenticate(store, username, password)
    except LoginRefusedError:
        throttle.failed(username, address)
        raise
    throttle.succeeded(username)
    request.state.session = new_session(user.username, user.session_epoch)
    return SessionOut(username=user.username, full_name=user.full_name, role=user.role.value,
                      site=user.site_code, csrf_token=session_of(request)["c"])


@router.get("/session", response_model=SessionOut)
def read_session(request: Request) -> SessionOut:
    """Who is signed in, and the CSRF token to quote in ``X-CSRF-Token``."""
    user = optional_user(request)
    token = session_of(request)["c"]
    if user is None:
        return SessionOut(username=None, csrf_token=token)
    return SessionOut(username=user.username, full_name=user.full_name, role=user.role.value,
                      site=user.site_code, csrf_token=token)


@router.post("/login", response_model=SessionOut,
             dependencies=[Depends(check_csrf)])
def login(request: Request, body: LoginIn, store: StoreDep) -> SessionOut:
    """Sign in (rate-limited per user name and per address)."""
    return sign_in(request, store, body.username, body.password)


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, user: CurrentUser, store: StoreDep,
           _csrf: Annotated[None, Depends(check_csrf)]) -> Response:
    """Sign out here and everywhere (every session of the user ends)."""
    end_sessions(store, user.username)
    request.state.session = new_session()
    return Response(status_code=204)
