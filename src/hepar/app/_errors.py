"""Errors as answers: the same one-line text the CLI prints (``<field> = <value>: expected ...``).

A user's mistake answers 422 (401 not signed in or a refused login, 403 a role or site that may
not, 409 a stale write, 429 too many failed sign-ins). A body that does not validate is validated
again through :func:`hepar.clinical.validate_record`, the path the CLI reads its files through,
so that the text is the CLI's.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from hepar.clinical import validate_record
from hepar.errors import HeparError, InvalidValueError
from hepar.services.web_auth import LoginRefusedError, TooManyAttemptsError
from hepar.store import ConflictError, PermissionDeniedError

from ._security import CsrfError, NotSignedInError

__all__ = ["install_error_handlers", "status_of"]


def status_of(error: HeparError) -> int:
    """The HTTP status of ``error``."""
    if isinstance(error, (NotSignedInError, LoginRefusedError)):
        return 401
    if isinstance(error, (PermissionDeniedError, CsrfError)):
        return 403
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, TooManyAttemptsError):
        return 429
    return 422


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and \
        "text/html" in request.headers.get("accept", "")


def _line(request: Request, error: RequestValidationError) -> str:
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    problems = list(error.errors())
    in_body = bool(problems) and tuple(problems[0].get("loc", ()))[:1] == ("body",)
    if in_body and isinstance(model, type) and issubclass(model, BaseModel) and \
            isinstance(error.body, dict):
        try:
            validate_record(model, error.body)
        except HeparError as hepar_error:
            return str(hepar_error)
    first: dict[str, Any] = problems[0] if problems else {}
    loc = [str(part) for part in first.get("loc", ())[1:]] or ["request"]
    value = None if first.get("type") == "missing" else first.get("input")
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    more = f" ({len(problems) - 1} more problem(s) in the same input)" if len(problems) > 1 else ""
    expected = str(first.get("msg", "a valid request")).removeprefix("Input should be ")
    return str(InvalidValueError(field=".".join(loc), value=value, expected=expected + more))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every :class:`HeparError` and validation error with its one line."""

    @app.exception_handler(HeparError)
    async def _hepar(request: Request, error: HeparError) -> Response:
        status = status_of(error)
        if status == 401 and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        return JSONResponse({"detail": _line(request, error)}, status_code=422)
