"""The X sandbox: api.x.com's routes a publisher uses, mounted under /x on the sandbox origin,
written from X's API v2 reference (not from what our client expects).

  POST /2/tweets                       create a post (text, media, reply)
  GET  /2/users/{id}/tweets            the user's posts, newest first, paged
  GET  /2/users/me                     the token's user
  POST /2/media/upload/initialize, /2/media/upload/{id}/append, /{id}/finalize
  GET  /2/media/upload?command=STATUS  the chunked media upload and its processing
  POST /2/oauth2/token                 refresh, rotating the refresh token

Every request passes the shared fault pipeline (latency, down, 429 storms, injected errors,
malformed bodies, answers lost after commit) under the `x_*` endpoint names and answers in
X's problem+json bodies, with x-rate-limit-* headers (epoch-second resets, no Retry-After).
`/_sandbox/x/limits` reads and changes the limits (never faulted).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from ...sandbox import errors
from ...sandbox.pipeline import Family, guarded
from . import sandbox_media as media
from . import sandbox_posts as posts
from .sandbox_http import Refused, problem, rate_headers, sb_of
from .sandbox_tokens import authorize_page, token

PREFIX = "/x"


def _storm(request: Request, _endpoint: str, retry_after: int) -> Response:
    now = request.app.state.sandbox.now()
    limit = sb_of(request).limits.create_per_user
    window = {"limit": limit, "remaining": 0, "reset": int(now + retry_after)}
    return problem(429, headers=rate_headers(window))


X_API = Family(
    down=lambda: problem(503),
    server_error=lambda status: problem(status),
    storm=_storm,
)


def _route(endpoint: str, handler):
    async def route(request: Request) -> Response:
        async def refusable(req: Request) -> Response:
            try:
                return await handler(req)
            except Refused as refused:
                return refused.response

        return await guarded(request, endpoint, X_API, refusable)

    return route


async def _limits(request: Request) -> Response:
    sb = sb_of(request)
    if request.method == "POST":
        try:
            sb.limits.update(json.loads(await request.body() or b"{}"))
        except (ValueError, TypeError, AttributeError) as exc:
            return errors.json_response({"error": f"bad X limits: {exc}"}, 400)
    return errors.json_response(vars(sb.limits))


def routes() -> list:
    api = [
        Route("/2/tweets", _route("x_create_post", posts.create_post), methods=["POST"]),
        Route("/2/users/me", _route("x_users_me", posts.users_me), methods=["GET"]),
        Route("/2/users/{id}/tweets", _route("x_user_posts", posts.user_posts), methods=["GET"]),
        Route(
            "/2/media/upload/initialize",
            _route("x_media_initialize", media.initialize),
            methods=["POST"],
        ),
        Route(
            "/2/media/upload/{id}/append", _route("x_media_append", media.append), methods=["POST"]
        ),
        Route(
            "/2/media/upload/{id}/finalize",
            _route("x_media_finalize", media.finalize),
            methods=["POST"],
        ),
        Route("/2/media/upload", _route("x_media_status", media.status), methods=["GET"]),
        Route("/2/oauth2/token", _route("x_token", token), methods=["POST"]),
        Route(
            "/i/oauth2/authorize",
            _route("x_oauth_authorize", authorize_page),
            methods=["GET", "POST"],
        ),
    ]
    return [
        Route("/_sandbox/x/limits", _limits, methods=["GET", "POST"]),
        Mount(PREFIX, routes=api),
    ]
