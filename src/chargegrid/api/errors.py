"""Domain errors and request validation as HTTP: one JSON shape, `{"error", "message"}`.

The status comes from the error's stable `code` (errors.py), so services never know HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chargegrid.errors import ChargeGridError

STATUS_BY_CODE: dict[str, int] = {
    "not_found": 404,
    "conflict": 409,
    "invalid_input": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "station_offline": 409,
    "command_timeout": 504,
    "command_error": 502,
}
_NAMED = re.compile(r"^([A-Za-z_][\w.]*): (.*)$", re.DOTALL)
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 422: "invalid_input",
}


def error_response(status: int, code: str, message: str, *,
                   headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    """The one error body every endpoint answers with (401s say which scheme to use)."""
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status,
                        headers=headers or None)


def _field(loc: Sequence[int | str]) -> str:
    """`("body", "profile", "periods", 0, "limit")` → `profile.periods.0.limit`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    """A domain error's code decides the status; unknown codes are a server fault."""
    assert isinstance(exc, ChargeGridError)
    return error_response(STATUS_BY_CODE.get(exc.code, 500), exc.code, exc.message)


def _problem(err: Mapping[str, Any]) -> dict[str, str]:
    """One validation error as field + message. Cross-field checks (model validators) say
    `field: why` themselves; that field is joined to where the model sits."""
    loc = list(err.get("loc", ()))
    message = str(err.get("msg", "invalid"))
    if err.get("type") == "value_error":
        message = message.removeprefix("Value error, ")
        named = _NAMED.match(message)
        if named:
            loc, message = [*loc, named.group(1)], named.group(2)
    return {"field": _field(loc), "message": message}


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each offending field first, then the details FastAPI gathered."""
    assert isinstance(exc, RequestValidationError)
    problems = [_problem(err) for err in exc.errors()]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid input"
    return error_response(422, "invalid_input", message, details=problems)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    """Routing errors (unknown path, wrong method) in the same shape as the rest."""
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, "error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(ChargeGridError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
