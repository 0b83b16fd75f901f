"""The Bluesky sandbox's routes: `/xrpc/<method>` as a PDS serves them, through the shared fault
pipeline (latency, down, 429 storms, 5xx, malformed answers, answers lost after commit).

How XRPC fails when the sandbox is told to fail: a PDS that is down is a load balancer's bare
503 page; an injected server error is the PDS's `{"error": "InternalServerError"}` (details are
never given for a 500); a storm is its 429 `RateLimitExceeded` with the global per-IP limit
(3,000 requests per 5 minutes) in the RateLimit-* headers and a Retry-After.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.pipeline import Family, guarded
from .sandbox_auth import create_session, rate_limited, refresh_session, xrpc_error
from .sandbox_repo import create_record, get_record, list_records, resolve_handle, upload_blob
from .sandbox_state import PLATFORM, BlueskySandbox

Handler = Callable[[Request, BlueskySandbox], Awaitable[Response]]

# nsid -> (fault endpoint name, HTTP method, handler)
METHODS: dict[str, tuple[str, str, Handler]] = {
    "com.atproto.server.createSession": ("bluesky_create_session", "POST", create_session),
    "com.atproto.server.refreshSession": ("bluesky_refresh_session", "POST", refresh_session),
    "com.atproto.repo.uploadBlob": ("bluesky_upload_blob", "POST", upload_blob),
    "com.atproto.repo.createRecord": ("bluesky_create_record", "POST", create_record),
    "com.atproto.repo.getRecord": ("bluesky_get_record", "GET", get_record),
    "com.atproto.repo.listRecords": ("bluesky_list_records", "GET", list_records),
    "com.atproto.identity.resolveHandle": ("bluesky_resolve_handle", "GET", resolve_handle),
}
IP_LIMIT, IP_WINDOW_S = 3000, 300


def _storm(request: Request, _endpoint: str, retry_after: int) -> Response:
    reset = int(request.app.state.sandbox.now() + retry_after)
    headers = {
        "RateLimit-Limit": str(IP_LIMIT),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(reset),
        "RateLimit-Policy": f"{IP_LIMIT};w={IP_WINDOW_S}",
    }
    return rate_limited(headers, retry_after)


XRPC = Family(
    down=lambda: errors.bare_server_error(503),
    server_error=lambda status: xrpc_error(status, "InternalServerError", "Internal Server Error"),
    storm=_storm,
)


async def xrpc_route(request: Request) -> Response:
    nsid = request.path_params["nsid"]
    known = METHODS.get(nsid)
    if known is None:
        return xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")
    endpoint, method, handler = known
    if request.method != method:
        return xrpc_error(
            400, "InvalidRequest", f"Incorrect HTTP method ({request.method}) expected {method}"
        )
    ext: BlueskySandbox = request.app.state.sandbox.extensions[PLATFORM]
    return await guarded(request, endpoint, XRPC, lambda req: handler(req, ext))


def routes() -> list[Route]:
    return [Route("/xrpc/{nsid}", xrpc_route, methods=["GET", "POST"])]
