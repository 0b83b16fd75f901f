"""The Threads sandbox: graph.threads.net's routes, mounted under /threads on the sandbox origin.

  GET  /refresh_access_token?grant_type=th_refresh_token   (the host's root, no version)
  GET|POST /oauth/authorize, POST /oauth/access_token, GET /access_token   connecting
                                            (sandbox_oauth.py)
  POST /v1.0/{user}/threads                 create a container (TEXT, IMAGE, VIDEO, CAROUSEL),
                                            a reply with reply_to_id
  GET  /v1.0/{container}?fields=status,error_message
  POST /v1.0/{user}/threads_publish         creation_id=..
  GET  /v1.0/{user}/threads_publishing_limit
  GET  /v1.0/{user}/threads                 the user's posts, newest first
  GET  /v1.0/{user}/replies                 the user's replies (reply_to_id), newest first
  GET  /v1.0/{media} and /v1.0/me

Every request passes the shared fault pipeline (latency, down, 429 storms, injected errors,
malformed bodies, answers lost after commit) under the `threads_*` endpoint names, is metered
against the account's call budget and answers in the Graph envelope, with `x-app-usage`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from ...sandbox import errors
from ...sandbox.graph import read_params, token_error
from ...sandbox.pipeline import META, guarded
from ...sandbox.tokens import mint
from . import sandbox_handlers as h
from . import sandbox_reads as reads
from .api import API_VERSION
from .sandbox_calls import Handler, open_call, threads_state
from .sandbox_oauth import routes as oauth_routes

PREFIX = "/threads"


def _run(endpoint: str, handler: Handler, node: str, user: str | None):
    async def run(request: Request) -> Response:
        call = await open_call(request, endpoint, user)
        if isinstance(call, Response):
            return call
        response = handler(call, node)
        response.headers.update(call.headers)
        return response

    return run


def _bad_version(version: str) -> Response:
    return errors.meta_error(2500, f"Unknown path components: /{version}")


async def node_route(request: Request) -> Response:
    version, node = request.path_params["version"], request.path_params["node"]
    if version != API_VERSION:
        return _bad_version(version)
    threads, getting = threads_state(request), request.method == "GET"
    ledger = request.app.state.sandbox.ledger
    if getting and node in threads.containers:
        endpoint, handler = "threads_container_status", h.container_status
    elif getting and ledger.by_external_id.get(node, {}).get("platform") == "threads":
        endpoint, handler = "threads_media", reads.read_media
    else:
        endpoint, handler = "threads_node", reads.read_node
    return await guarded(request, endpoint, META, _run(endpoint, handler, node, None))


async def edge_route(request: Request) -> Response:
    version, node, edge = (request.path_params[k] for k in ("version", "node", "edge"))
    if version != API_VERSION:
        return _bad_version(version)
    edges: dict[tuple[str, str], tuple[str, Handler]] = {
        ("POST", "threads"): ("threads_create_container", h.create_container),
        ("GET", "threads"): ("threads_list", reads.list_threads),
        ("GET", "replies"): ("threads_replies", reads.list_replies),
        ("POST", "threads_publish"): ("threads_publish", h.publish),
        ("GET", "threads_publishing_limit"): ("threads_publishing_limit", h.publishing_limit),
    }
    endpoint, handler = edges.get((request.method, edge), ("threads_node", h.unsupported))
    return await guarded(request, endpoint, META, _run(endpoint, handler, node, node))


async def _refresh(request: Request) -> Response:
    state, params = request.app.state.sandbox, await read_params(request)
    limits = threads_state(request).limits
    if params.get("grant_type") != "th_refresh_token":
        return errors.meta_invalid_param("Unsupported grant_type: expected th_refresh_token")
    claims, problem = state.check_token(params.get("access_token"), ("threads",))
    if problem:
        return token_error(problem, claims, state.now())
    if state.now() - claims.iat < limits.refresh_min_age_s:
        # Not a dead token: a client must simply try again later, so not code 190.
        return errors.meta_invalid_param(
            "Invalid parameter: the access token is too new to be refreshed. Long-lived tokens "
            "can be refreshed once they are at least 24 hours old.",
            user_title="Token too new",
        )
    seconds = limits.token_lifetime_s
    token = mint(
        state.settings.secret,
        platform="threads",
        account=claims.account,
        kind="access",
        now=state.now(),
        expires_in=seconds,
    )
    return errors.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": seconds}
    )


async def refresh_route(request: Request) -> Response:
    return await guarded(request, "threads_token_refresh", META, _refresh)


async def unknown_route(request: Request) -> Response:
    return errors.meta_unsupported(request.method, request.path_params.get("path", ""))


def routes() -> list:
    return [
        Mount(
            PREFIX,
            routes=[
                *oauth_routes(),
                Route("/refresh_access_token", refresh_route, methods=["GET"]),
                Route("/{version}/{node}", node_route, methods=["GET", "POST"]),
                Route("/{version}/{node}/{edge}", edge_route, methods=["GET", "POST"]),
                Route("/{path:path}", unknown_route, methods=["GET", "POST"]),
            ],
        )
    ]
