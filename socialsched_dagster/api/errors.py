"""Every error the API answers with: a status, a stable code clients branch on, and a message
a person can act on, in one JSON shape:

    {"error": {"code": "validation_failed", "message": "...",
               "details": [{"field": "...", "reason": "..."}]}}

Codes are part of `/api/v1`: a code is never renamed or reused for something else there.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    # The same answer for "does not exist" and "is another workspace's": ids leak nothing.
    return ApiError(404, "not_found", f"no {what}")


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


# Our own secrets have a shape (api/signing.py, teams/api_keys.py): one pasted into the wrong
# field (a key sent as `timezone`) is not echoed back in an error, which clients and proxies log.
_OWN_SECRET = re.compile(r"ss[ks]_[A-Za-z0-9_-]{16,}")


def _redact(value: Any) -> Any:
    return _OWN_SECRET.sub("[redacted]", value) if isinstance(value, str) else value


def respond(error: ApiError) -> JSONResponse:
    details = [{k: _redact(v) for k, v in d.items()} for d in error.details]
    return JSONResponse(
        error_body(error.code, _redact(error.message), details),
        status_code=error.status,
        headers=error.headers,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _reason(problem: dict) -> str:
    if problem.get("type") == "string_too_long" and isinstance(problem.get("input"), str):
        # In the intake's words (intake/post_request.py), so the API and the CLI agree.
        limit = problem.get("ctx", {}).get("max_length")
        return f"is {len(problem['input']):,} characters, at most {limit:,}"
    return problem["msg"]


def install(app) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        details = []
        for problem in exc.errors():
            location = [str(part) for part in problem.get("loc", ()) if part != "body"]
            # The reason, never the value sent: it may be a secret pasted in the wrong field.
            details.append({"field": ".".join(location) or "body", "reason": _reason(problem)})
        return respond(
            ApiError(422, "validation_failed", "the request is invalid", details=details)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return respond(ApiError(exc.status_code, code, message, headers=exc.headers))

    from ..intake.post_request import InvalidPost
    from ..store.accounts import AccountError, AccountNotFound
    from ..store.posts import PostError, PostNotFound
    from ..teams.post_changes import Conflict

    @app.exception_handler(InvalidPost)
    async def _invalid(request: Request, exc: InvalidPost):
        details = [{"field": e.field, "reason": e.reason} for e in exc.errors]
        return respond(ApiError(422, "validation_failed", "the post is invalid", details=details))

    @app.exception_handler(PostNotFound)
    @app.exception_handler(AccountNotFound)
    async def _missing(request: Request, exc: ValueError):
        return respond(ApiError(404, "not_found", str(exc).split(";")[0]))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict):
        return respond(ApiError(409, exc.code, str(exc)))

    @app.exception_handler(PostError)
    @app.exception_handler(AccountError)
    @app.exception_handler(ValueError)
    async def _refused(request: Request, exc: ValueError):
        # The domain's refusals are written for people and name no secret (tested with the CLI).
        return respond(ApiError(422, "invalid_request", str(exc)))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError):
        return respond(
            ApiError(
                409,
                "conflict",
                "the change conflicts with one made at the same time; nothing was written: "
                "send it again",
            )
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError):
        return respond(
            ApiError(
                422,
                "validation_failed",
                "a value is too long or holds a character the "
                "database cannot store; nothing was written",
            )
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # Logged with its type only: the message of an arbitrary exception may quote a token.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return respond(ApiError(500, "internal_error", "something went wrong on our side"))


def _documented(status: int, description: str) -> dict:
    return {"model": _error_model(), "description": description}


def _error_model():
    from .schemas import ErrorBody

    return ErrorBody


# Declared on every route, so the OpenAPI document tells clients the error shape.
RESPONSES = {
    400: _documented(400, "malformed request (cursor, idempotency key)"),
    401: _documented(401, "no valid API key"),
    403: _documented(403, "the key's role does not allow this"),
    404: _documented(404, "no such resource in this workspace"),
    409: _documented(409, "conflicts with the resource's state or an idempotency key"),
    413: _documented(413, "body too large"),
    422: _documented(422, "invalid fields, each named"),
    429: _documented(429, "rate limited: see Retry-After"),
    503: _documented(503, "over the time limit, or a signed request with Redis down: retry"),
}
