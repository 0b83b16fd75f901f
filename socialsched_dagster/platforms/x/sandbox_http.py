"""What every X sandbox endpoint shares: the OAuth 2 bearer token, the per-user rate windows and
the x-rate-limit-* headers every answer carries, and X's error bodies (RFC 7807 problems:
`{"title", "detail", "type", "status"}`, with `errors[]` for an invalid request).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from .sandbox_state import PLATFORM, XSandbox

TARGET_HEADER = "x-socialsched-target"
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
_TITLES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def sb_of(request: Request) -> XSandbox:
    return request.app.state.sandbox.extensions[PLATFORM]


def problem(
    status: int, detail: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """X's generic problem: title and detail are the status's words unless it says more."""
    title = _TITLES.get(status, "Error")
    body = {"title": title, "detail": detail or title, "type": "about:blank", "status": status}
    return errors.json_response(body, status, headers)


def invalid(
    message: str, parameters: dict[str, list[str]] | None = None, headers: dict | None = None
) -> Response:
    body = {
        "errors": [{"parameters": parameters or {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }
    return errors.json_response(body, 400, headers)


def answer(body: Any, headers: dict[str, str], status: int = 200) -> Response:
    return errors.json_response(body, status, headers)


def rate_headers(window: dict[str, Any], prefix: str = "x-rate-limit") -> dict[str, str]:
    return {
        f"{prefix}-limit": str(window["limit"]),
        f"{prefix}-remaining": str(max(0, window["remaining"])),
        f"{prefix}-reset": str(window["reset"]),
    }


def open_call(request: Request, bucket: str, limit: int) -> tuple[str, dict[str, str]]:
    """(user id, rate headers) of a request whose token is valid and whose window has room.
    Every authenticated request counts, refused ones too, as X counts them."""
    sb, state = sb_of(request), request.app.state.sandbox
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    claims, trouble = (None, "missing")
    if scheme.lower() == "bearer" and token.strip():
        claims, trouble = state.check_token(token.strip(), (PLATFORM,))
    if claims is None or trouble is not None:
        raise Refused(problem(401))
    window = sb.count(bucket, claims.account, limit, sb.limits.window_s)
    headers = rate_headers(window)
    if window["remaining"] < 0:
        state.stats.rate_limit_violations += 1
        raise Refused(problem(429, headers=headers))
    return claims.account, headers


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None
