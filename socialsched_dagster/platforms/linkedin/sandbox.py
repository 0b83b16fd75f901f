"""The LinkedIn sandbox: api.linkedin.com's /rest routes, the image upload host and
www.linkedin.com's token endpoint, all under /linkedin on the sandbox origin.

  POST /linkedin/rest/posts                       linkedin_posts_create
  GET  /linkedin/rest/posts?q=author&author=..    linkedin_posts_list
  GET  /linkedin/rest/posts/{urn}                 linkedin_post_get
  POST /linkedin/rest/images?action=initializeUpload    linkedin_images_init
  GET  /linkedin/rest/images/{urn}                linkedin_image_get
  PUT  /linkedin/dms-uploads/{id}/uploaded-image/0      linkedin_image_upload
  POST /linkedin/oauth/v2/accessToken             linkedin_token (refresh and code grants)
  GET|POST /linkedin/oauth/v2/authorization       linkedin_oauth_authorize (consent page)
  GET  /linkedin/v2/userinfo                      linkedin_userinfo

Every request passes the shared fault pipeline under those endpoint names. How LinkedIn fails
when told to: down is a gateway's bare 503; an injected error is LinkedIn's own body; a storm is
its 429 with no Retry-After (none is documented). `/_sandbox/linkedin/config` and
`/_sandbox/linkedin/scopes` read and change the sandbox's settings and a token's permissions.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.pipeline import Family, guarded
from . import sandbox_images as images
from . import sandbox_posts as posts
from . import sandbox_reads as reads
from .sandbox_calls import LinkedInCall, Refused, li_error, li_of, open_call
from .sandbox_oauth import access_token, authorization, oauth_error, userinfo

PREFIX = "/linkedin"
_SERVER = {500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}

REST = Family(
    down=lambda: errors.bare_server_error(503),
    server_error=lambda status: li_error(
        status, _SERVER.get(status, "INTERNAL_SERVER_ERROR"), "Internal Server Error"
    ),
    storm=lambda _r, _e, _after: li_error(
        429,
        "TOO_MANY_REQUESTS",
        "Resource level throttle limit for calls to this resource is reached.",
        101,
    ),
)
OAUTH = Family(
    down=lambda: errors.bare_server_error(503),
    server_error=lambda status: oauth_error(status, "server_error", "Internal Server Error"),
    storm=lambda _r, _e, _after: oauth_error(429, "too_many_requests", "Too many requests"),
)


def _rest(endpoint: str, handler: Callable[..., Awaitable[Response]], *params: str):
    async def route(request: Request) -> Response:
        async def answer(req: Request) -> Response:
            try:
                call: LinkedInCall = open_call(req)
                return await handler(call, *(req.path_params[p] for p in params))
            except Refused as refused:
                return refused.response

        return await guarded(request, endpoint, REST, answer)

    return route


async def _posts(request: Request) -> Response:
    if request.method == "POST":
        return await _rest("linkedin_posts_create", posts.create_post)(request)
    return await _rest("linkedin_posts_list", reads.list_posts)(request)


async def _upload(request: Request) -> Response:
    return await guarded(request, "linkedin_image_upload", REST, images.upload)


async def _token(request: Request) -> Response:
    return await guarded(request, "linkedin_token", OAUTH, access_token)


def _oauth(endpoint: str, handler):
    async def route(request: Request) -> Response:
        return await guarded(request, endpoint, OAUTH, handler)

    return route


async def _unknown(request: Request) -> Response:
    return li_error(404, "RESOURCE_NOT_FOUND", "No virtual resource found", 0)


async def _config(request: Request) -> Response:
    li = li_of(request)
    if request.method == "POST":
        try:
            li.config.update(json.loads(await request.body() or b"{}"))
        except (ValueError, TypeError, AttributeError) as exc:
            return errors.json_response({"error": f"bad linkedin settings: {exc}"}, 400)
    return errors.json_response(li.config.public())


async def _scopes(request: Request) -> Response:
    li = li_of(request)
    if request.method == "POST":
        try:
            body = json.loads(await request.body() or b"{}")
            account, scopes = str(body["account"]), [str(s) for s in body["scopes"]]
        except (ValueError, KeyError, TypeError) as exc:
            return errors.json_response({"error": f"bad scopes request: {exc}"}, 400)
        li.set_scopes(account, scopes)
        return errors.json_response({"account": account, "scopes": scopes})
    return errors.json_response({a: list(s) for a, s in li.scopes.items()})


def routes() -> list[Route]:
    return [
        Route("/_sandbox/linkedin/config", _config, methods=["GET", "POST"]),
        Route("/_sandbox/linkedin/scopes", _scopes, methods=["GET", "POST"]),
        Route(f"{PREFIX}/rest/posts", _posts, methods=["GET", "POST"]),
        Route(
            f"{PREFIX}/rest/posts/{{urn}}",
            _rest("linkedin_post_get", reads.get_post, "urn"),
            methods=["GET"],
        ),
        Route(
            f"{PREFIX}/rest/images",
            _rest("linkedin_images_init", images.initialize_upload),
            methods=["POST"],
        ),
        Route(
            f"{PREFIX}/rest/images/{{urn}}",
            _rest("linkedin_image_get", images.get_image, "urn"),
            methods=["GET"],
        ),
        Route(f"{PREFIX}/dms-uploads/{{upload_id}}/uploaded-image/0", _upload, methods=["PUT"]),
        Route(f"{PREFIX}/oauth/v2/accessToken", _token, methods=["POST"]),
        Route(
            f"{PREFIX}/oauth/v2/authorization",
            _oauth("linkedin_oauth_authorize", authorization),
            methods=["GET", "POST"],
        ),
        Route(f"{PREFIX}/v2/userinfo", _oauth("linkedin_userinfo", userinfo), methods=["GET"]),
        Route(f"{PREFIX}/{{path:path}}", _unknown, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
