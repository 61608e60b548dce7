"""One table from core errors to HTTP statuses; every error body is {"error": {code, message}}."""

from __future__ import annotations

import logging
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from roost.log import request_id
from roost.model.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    LengthRequired,
    NotAuthorized,
    NotFound,
    RateLimited,
    RoostError,
    StorageFull,
    TooLarge,
    Unavailable,
    UnsupportedType,
)

log = logging.getLogger(__name__)

STATUS: dict[type[RoostError], int] = {
    BadRequest: 400,
    NotAuthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    LengthRequired: 411,
    TooLarge: 413,
    UnsupportedType: 415,
    RateLimited: 429,
    Unavailable: 503,
    StorageFull: 507,
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def status_for(error: RoostError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def _describe_validation(error: RequestValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return f"{where}: {first.get('msg', 'invalid')}"


async def on_roost_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RoostError)
    headers = None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    return error_response(status_for(error), error.code, error.message, headers)


async def on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return error_response(422, "request.invalid", _describe_validation(error))


async def on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    message = error.detail if isinstance(error.detail, str) else "Request refused."
    return error_response(error.status_code, f"http.{error.status_code}", message, dict(error.headers or {}))


async def on_unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return error_response(500, "server.error", f"Internal error; request id {request_id.get()}.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RoostError, on_roost_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
