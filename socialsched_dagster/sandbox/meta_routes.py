"""Meta Graph routing: `/vNN.N/{node}` and `/vNN.N/{node}/{edge}` for Instagram and Pages.

The endpoint name (used by faults and stats) is decided from the path before anything else, so
a fault can hit a request that would have failed validation anyway, as on the real platform.
A node that is a Page post (`<page>_<n>`) or any Facebook object the sandbox holds is read with
`fb_post_read` and published with `fb_publish`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..platforms.facebook import sandbox as facebook
from ..platforms.facebook import sandbox_reads as fb_reads
from ..platforms.instagram import sandbox as instagram
from . import errors
from .graph import GraphCall, finish, open_call
from .pipeline import META, guarded
from .token_routes import fb_exchange, ig_refresh

VERSION = re.compile(r"^v\d+\.\d+$")
PAGE_POST = re.compile(r"^\d+_\d+$")
# Instagram endpoints take Instagram Login tokens and (as with Facebook Login) Facebook tokens
# of the same account id; Page endpoints take Facebook tokens only.
IG = ("instagram", "facebook")
FB = ("facebook",)

# (method, edge) -> (endpoint name, token platforms, handler)
EDGES: dict[tuple[str, str], tuple[str, tuple[str, ...], Callable[[GraphCall], Response]]] = {
    ("POST", "media"): ("ig_create_container", IG, instagram.create_container),
    ("GET", "media"): ("ig_media_list", IG, instagram.media_list),
    ("POST", "media_publish"): ("ig_publish", IG, instagram.publish),
    ("GET", "content_publishing_limit"): (
        "ig_publishing_limit",
        IG,
        instagram.publishing_limit,
    ),
    ("POST", "feed"): ("fb_feed", FB, facebook.feed),
    ("GET", "feed"): ("fb_feed_list", FB, fb_reads.feed_list),
    ("GET", "posts"): ("fb_feed_list", FB, fb_reads.feed_list),  # the Page's own posts
    ("POST", "photos"): ("fb_photos", FB, facebook.photos),
    ("POST", "videos"): ("fb_videos", FB, facebook.videos),
    ("GET", "videos"): ("fb_videos_list", FB, fb_reads.videos_list),
}


def _bad_version(version: str) -> Response:
    return errors.meta_error(2500, f"Unknown path components: /{version}", status=400)


async def edge_route(request: Request) -> Response:
    version, node, edge = (request.path_params[k] for k in ("version", "node", "edge"))
    if not VERSION.match(version):
        return _bad_version(version)
    if (node, edge) == ("oauth", "access_token"):
        return await fb_exchange(request)
    spec = EDGES.get((request.method, edge))
    if spec is None:
        return await guarded(request, "graph_node", META, lambda r: _unsupported(r, node))
    endpoint, platforms, handler = spec

    async def run(req: Request) -> Response:
        call = await open_call(req, endpoint, platforms, node)
        return call if isinstance(call, Response) else finish(call, handler(call))

    return await guarded(request, endpoint, META, run)


async def node_route(request: Request) -> Response:
    version, node = request.path_params["version"], request.path_params["node"]
    if not VERSION.match(version):
        return _bad_version(version)
    if node == "refresh_access_token":  # graph.instagram.com also serves it under a version
        return await ig_refresh(request)
    container = request.app.state.sandbox.containers.get(node)
    if container is not None and request.method == "GET":

        async def status(req: Request) -> Response:
            call = await open_call(req, "ig_container_status", IG, container.account)
            if isinstance(call, Response):
                return call
            return finish(call, instagram.container_status(call, container))

        return await guarded(request, "ig_container_status", META, status)
    if PAGE_POST.match(node) or _facebook_object(request.app.state.sandbox, node):
        return await _fb_node(request, node)

    async def describe(req: Request) -> Response:
        if req.method != "GET":
            return _unsupported(req, node)
        call = await open_call(req, "graph_node", IG, None)
        if isinstance(call, Response):
            return call
        if node not in ("me", call.account):
            return finish(call, errors.meta_unsupported("GET", node))
        body = {"id": call.account, "name": f"Sandbox {call.claims.platform} {call.account}"}
        if call.claims.platform == "instagram":
            body["username"] = f"sandbox_{call.account}"
            body["user_id"] = call.account  # Instagram Login's /me?fields=user_id,username
        return finish(call, errors.json_response(body))

    return await guarded(request, "graph_node", META, describe)


def _facebook_object(state, node: str) -> bool:
    return node in state.fb_objects or fb_reads.lookup(state, node) is not None


async def _fb_node(request: Request, node: str) -> Response:
    """Read a Page post, photo or video, or publish one created unpublished."""
    posting = request.method == "POST"
    endpoint = "fb_publish" if posting else "fb_post_read"
    handler = facebook.publish if posting else fb_reads.read

    async def run(req: Request) -> Response:
        # The object's page is checked by the handler: an id of another page does not exist.
        call = await open_call(req, endpoint, FB, None)
        return call if isinstance(call, Response) else finish(call, handler(call, node))

    return await guarded(request, endpoint, META, run)


async def _unsupported(request: Request, node: str) -> Response:
    return errors.meta_unsupported(request.method, node)


ROUTES = [
    Route("/{version}/{node}", node_route, methods=["GET", "POST"]),
    Route("/{version}/{node}/{edge}", edge_route, methods=["GET", "POST"]),
]
