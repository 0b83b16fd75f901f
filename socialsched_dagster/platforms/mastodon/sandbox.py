"""The Mastodon sandbox: the REST endpoints a publisher uses, as docs.joinmastodon.org and
Mastodon's own code describe them (not as our client expects).

- POST /api/v1/statuses: `Idempotency-Key` per account, kept 3,600 s: a repeat answers the
  status the key already made, before anything is validated; media must be the account's own,
  unattached and processed; text counted with every URL as 23 characters.
- POST /api/v2/media: multipart `file`; images 200 (processed), videos 202 with `url: null`,
  then GET /api/v1/media/:id answers 206 until processed, 200 after, 404 once attached.
- DELETE /api/v1/statuses/:id: the status and its media go; its key answers 404 within the hour.
- POST /api/v1/apps, GET|POST /oauth/authorize, POST /oauth/token: connecting an account
  (sandbox_oauth.py).
- GET /api/v1/accounts/:id/statuses (newest first, max_id/since_id/min_id, Link header),
  /api/v1/accounts/verify_credentials, /api/v2/instance (limits from InstanceConfig).
- Errors as `{"error": "..."}`: 401 (Doorkeeper's words), 422, 429 with X-RateLimit-* (a fixed
  window per account, ISO 8601 reset), which every answer carries.
Fault endpoint names start with "mastodon_"; `/_sandbox/mastodon/instance` reads and changes
the instance's configuration (never faulted).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.pipeline import Family, guarded
from . import sandbox_render as render
from .sandbox_http import Refused, answer, base_of, error, open_call, rate_headers, sb_of
from .sandbox_media import media_status, upload
from .sandbox_oauth import authorize_page, register_app, token
from .sandbox_statuses import account_statuses, create_status, delete_status


async def _verify(request: Request) -> Response:
    account, headers = open_call(request)
    count = len(sb_of(request).of_account(account))
    return answer(render.account(account, base_of(request), count), headers)


async def _instance(request: Request) -> Response:
    _account, headers = open_call(request, auth=False)
    return answer(render.instance(sb_of(request).config, base_of(request)), headers)


async def _control(request: Request) -> Response:
    sb = sb_of(request)
    if request.method == "POST":
        try:
            sb.config.update(json.loads(await request.body() or b"{}"))
        except (ValueError, TypeError, AttributeError) as exc:
            return errors.json_response({"error": f"bad instance settings: {exc}"}, 400)
    return errors.json_response(render.instance(sb.config, base_of(request))["configuration"])


def _server_error(status: int) -> Response:
    if status == 503:  # Mastodon::RaceConditionError's answer; others are the proxy's page
        return error("There was a temporary problem serving your request, please try again", 503)
    return errors.bare_server_error(status)


def _storm(request: Request, _endpoint: str, retry_after: int) -> Response:
    state = request.app.state.sandbox
    headers = rate_headers(sb_of(request).config.api_limit, 0, state.now() + retry_after)
    return error("Too many requests", 429, headers)


MASTODON = Family(
    down=lambda: errors.bare_server_error(503), server_error=_server_error, storm=_storm
)


def _route(endpoint: str, handler):
    async def route(request: Request) -> Response:
        async def refusable(req: Request) -> Response:
            try:
                return await handler(req)
            except Refused as refused:
                return refused.response

        return await guarded(request, endpoint, MASTODON, refusable)

    return route


ROUTES = [
    Route("/_sandbox/mastodon/instance", _control, methods=["GET", "POST"]),
    Route("/api/v1/apps", _route("mastodon_apps", register_app), methods=["POST"]),
    Route(
        "/oauth/authorize",
        _route("mastodon_oauth_authorize", authorize_page),
        methods=["GET", "POST"],
    ),
    Route("/oauth/token", _route("mastodon_oauth_token", token), methods=["POST"]),
    Route("/api/v1/statuses", _route("mastodon_statuses", create_status), methods=["POST"]),
    Route(
        "/api/v1/statuses/{id}",
        _route("mastodon_status_delete", delete_status),
        methods=["DELETE"],
    ),
    Route("/api/v2/media", _route("mastodon_media_upload", upload), methods=["POST"]),
    Route("/api/v1/media/{id}", _route("mastodon_media", media_status), methods=["GET"]),
    Route(
        "/api/v1/accounts/verify_credentials",
        _route("mastodon_verify_credentials", _verify),
        methods=["GET"],
    ),
    Route(
        "/api/v1/accounts/{id}/statuses",
        _route("mastodon_account_statuses", account_statuses),
        methods=["GET"],
    ),
    Route("/api/v2/instance", _route("mastodon_instance", _instance), methods=["GET"]),
]
