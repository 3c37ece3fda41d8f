"""Sessions in signed cookies, the CSRF token, and the dependencies that routes declare.

The session cookie (``hepar_session``) holds ``{"u": user name or None, "e": session epoch,
"c": CSRF token}``, signed with itsdangerous (HMAC-SHA1 over the payload and a timestamp; older
than :data:`SESSION_MAX_AGE_S` is refused). It is HttpOnly, SameSite=Lax, and Secure when the
request came over https. Every visitor gets one (anonymous, with a CSRF token) at the first
request, so that the login form itself carries a token; signing in issues a new token.

Every unsafe request (POST, PUT, PATCH, DELETE) must quote the session's token, in the
``X-CSRF-Token`` header (the API, the page scripts) or the ``csrf_token`` form field (plain forms):
the synchroniser-token pattern of the OWASP CSRF cheat sheet.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hepar.errors import HeparError
from hepar.physics import S_PER_H
from hepar.services.web_auth import WebUser, web_user
from hepar.store import PermissionDeniedError, Store

__all__ = [
    "COOKIE",
    "SESSION_MAX_AGE_S",
    "ActingUser",
    "CurrentUser",
    "NotSignedInError",
    "SessionCodec",
    "StoreDep",
    "WritingUser",
    "csrf_token",
]

COOKIE = "hepar_session"
#: A session lasts a working day (8 h), then the user signs in again.
SESSION_MAX_AGE_S = int(8 * S_PER_H)
CSRF_HEADER = "X-CSRF-Token"


class NotSignedInError(HeparError):
    """A request that needs a signed-in user came without a valid session."""


class CsrfError(HeparError):
    """An unsafe request without the session's CSRF token."""


class SessionCodec:
    """Signs and reads the session cookie with ``secret_key``."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="hepar-session")

    def dumps(self, data: dict[str, Any]) -> str:
        return self._serializer.dumps(data)

    def loads(self, text: str | None) -> dict[str, Any] | None:
        if not text:
            return None
        try:
            data = self._serializer.loads(text, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None


def new_session(username: str | None = None, epoch: int = 0) -> dict[str, Any]:
    """A fresh session (new CSRF token)."""
    return {"u": username, "e": epoch, "c": secrets.token_urlsafe(32)}


def session_of(request: Request) -> dict[str, Any]:
    """The request's session (made by the middleware in :mod:`hepar.app._factory`)."""
    session: dict[str, Any] = request.state.session
    return session


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session."""
    return str(session_of(request)["c"])


def write_cookie(request: Request, response: Response) -> None:
    """Set the (possibly changed) session cookie on ``response``."""
    codec: SessionCodec = request.app.state.codec
    response.set_cookie(COOKIE, codec.dumps(session_of(request)), max_age=SESSION_MAX_AGE_S,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/")


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def optional_user(request: Request) -> WebUser | None:
    """The signed-in user, or None (also when the session's epoch is out of date)."""
    session = session_of(request)
    username = session.get("u")
    if not username:
        return None
    user = web_user(get_store(request), username)
    if user is None or user.session_epoch != session.get("e"):
        return None
    return user


def current_user(request: Request) -> WebUser:
    user = optional_user(request)
    if user is None:
        raise NotSignedInError(field="session", value=None,
                               expected="a signed-in user (POST /api/login or /login)")
    return user


CurrentUser = Annotated[WebUser, Depends(current_user)]


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request that does not quote the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfError(field="csrf_token", value=None if sent is None else "<mismatch>",
                        expected=f"the session's CSRF token in the {CSRF_HEADER} header or the "
                                 f"csrf_token form field")


def writing_user(request: Request, user: CurrentUser,
                 _csrf: Annotated[None, Depends(check_csrf)]) -> WebUser:
    """The signed-in user of an unsafe request: CSRF checked, not a read-only role."""
    if user.read_only:
        raise PermissionDeniedError(field="role", value=user.role.value,
                                    expected="a role that may write (monitors and "
                                             "statisticians read only; admins manage users; "
                                             "patients answer their own booklets)")
    return user


WritingUser = Annotated[WebUser, Depends(writing_user)]


def acting_user(request: Request, user: CurrentUser,
                _csrf: Annotated[None, Depends(check_csrf)]) -> WebUser:
    """The signed-in user of an unsafe request whose use case checks the role itself (a monitor
    raises data queries, a site answers them)."""
    return user


ActingUser = Annotated[WebUser, Depends(acting_user)]
