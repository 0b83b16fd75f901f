"""What every Mastodon sandbox endpoint shares: the token (Doorkeeper's 401s), Rack::Attack's
fixed rate windows and the X-RateLimit-* headers every answer carries, `{"error": ...}` bodies.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from .sandbox_state import PLATFORM, MastodonSandbox

TARGET_HEADER = "x-socialsched-target"
_DOORKEEPER = {"expired": "The access token expired", "revoked": "The access token was revoked"}


def sb_of(request: Request) -> MastodonSandbox:
    return request.app.state.sandbox.extensions[PLATFORM]


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def error(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return errors.json_response({"error": message}, status, headers)


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def open_call(
    request: Request, *, media: bool = False, auth: bool = True
) -> tuple[str | None, dict]:
    """(account, rate headers) of a request that passed authentication and the rate windows."""
    sb, state = sb_of(request), request.app.state.sandbox
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    claims, problem = (None, "missing")
    if scheme.lower() == "bearer" and token.strip():
        claims, problem = state.check_token(token.strip(), (PLATFORM,))
    account = claims.account if claims is not None and problem is None else None
    c = sb.config
    who = account or f"ip:{request.client.host if request.client else '?'}"
    buckets = [sb.count("api", who, c.api_limit, c.api_period_s)]
    if media:
        buckets.append(sb.count("media", who, c.media_limit, c.media_period_s))
    tightest = min(buckets, key=lambda b: b["remaining"])
    headers = rate_headers(tightest["limit"], tightest["remaining"], tightest["reset"])
    if tightest["remaining"] < 0:
        state.stats.rate_limit_violations += 1
        raise Refused(error("Too many requests", 429, headers))
    if auth and account is None:
        message = _DOORKEEPER.get(problem or "", "The access token is invalid")
        www = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{message}"'
        raise Refused(error(message, 401, {**headers, "WWW-Authenticate": www}))
    return account, headers


def rate_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    when = datetime.fromtimestamp(reset, timezone.utc)
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # Rails' iso8601(6)
    }


def answer(body: Any, headers: dict[str, str], status: int = 200) -> Response:
    return errors.json_response(body, status, headers)
