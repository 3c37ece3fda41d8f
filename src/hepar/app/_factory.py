"""The application factory: one FastAPI app over one study database."""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from hepar import __version__
from hepar.errors import HeparWarning
from hepar.services.web_auth import LoginThrottle
from hepar.store import Store

from . import (
    api_auth,
    api_live,
    api_patients,
    api_queries,
    api_records,
    api_users,
    pages,
    pages_epro,
)
from ._errors import install_error_handlers
from ._i18n import LANG_COOKIE, current_language, language_of
from ._security import COOKIE, SessionCodec, new_session, write_cookie
from .api_imaging import router as imaging_api
from .pages_imaging import router as imaging_pages
from .pages_monitor import api as monitor_api
from .pages_monitor import router as monitor_pages

__all__ = ["SECRET_ENV_VAR", "create_app"]

#: The key that signs session cookies; without it a random one is drawn per process (sessions
#: then end when the server restarts).
SECRET_ENV_VAR = "HEPAR_SECRET_KEY"
_HERE = Path(__file__).parent


def create_app(store: Store | None = None, *, secret_key: str | None = None,
               throttle: LoginThrottle | None = None) -> FastAPI:
    """The web application and REST API on ``store`` (default: the database of
    ``HEPAR_DATABASE_URL``, the embedded SQLite file otherwise)."""
    key = secret_key or os.environ.get(SECRET_ENV_VAR)
    if not key:
        warnings.warn(f"{SECRET_ENV_VAR} is not set: sessions are signed with a random key and "
                      f"end when the server restarts", HeparWarning, stacklevel=2)
        key = secrets.token_urlsafe(48)
    app = FastAPI(title="hepar", version=__version__,
                  description="HEPAR PLUS study: the study team's pages and REST API.")
    app.state.store = store or Store()
    app.state.codec = SessionCodec(key)
    app.state.secret_key = key
    app.state.epro_used = set()
    app.state.throttle = throttle or LoginThrottle()

    @app.middleware("http")
    async def _session(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        codec: SessionCodec = request.app.state.codec
        loaded = codec.loads(request.cookies.get(COOKIE))
        request.state.session = loaded or new_session()
        before = dict(request.state.session)
        current_language.set(language_of(request.cookies.get(LANG_COOKIE),
                                         request.headers.get("accept-language")))
        response = await call_next(request)
        if loaded is None or request.state.session != before:
            write_cookie(request, response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    install_error_handlers(app)
    for module in (api_auth, api_patients, api_records, api_live, api_queries, api_users, pages,
                   pages_epro):
        app.include_router(module.router)
    for router in (imaging_api, monitor_api, imaging_pages, monitor_pages):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    return app
