"""Routes of the engagement reads: Instagram media insights, Facebook post counts, YouTube
`videos.list` with `part=statistics`.

They sit in front of the Graph catch-all and the plain `videos.list` route (app.py orders them)
and hand every request that is not an engagement read back to those routes unchanged, so the
existing endpoints keep their exact behaviour.
"""

from __future__ import annotations

import hashlib
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..platforms.youtube import sandbox as youtube
from ..platforms.youtube.sandbox_videos import bearer_account, quota_exceeded, video_resource
from . import errors, meta_routes
from .engagement import entry_counts
from .graph import finish, open_call
from .insights_graph import fb_engagement, ig_insights, wants_engagement
from .pipeline import GOOGLE_API, META, guarded
from .state import SandboxState

# Instagram reads accept Instagram Login and Facebook Login tokens alike; Pages take Facebook's.
IG, FB = meta_routes.IG, meta_routes.FB
FB_OBJECT = re.compile(r"^\d+(_\d+)?$")  # page post `<page>_<post>`, or a photo/video id
YT_MAX_IDS = 50


async def ig_insights_route(request: Request) -> Response:
    version, node = request.path_params["version"], request.path_params["node"]
    if not meta_routes.VERSION.match(version):
        return await meta_routes.edge_route(request)  # answers the bad-version error

    async def run(req: Request) -> Response:
        call = await open_call(req, "ig_insights", IG, None)
        return call if isinstance(call, Response) else finish(call, ig_insights(call, node))

    return await guarded(request, "ig_insights", META, run)


async def graph_node_route(request: Request) -> Response:
    node = request.path_params["node"]
    fields = request.query_params.get("fields")
    if not (FB_OBJECT.match(node) and wants_engagement(fields)):
        return await meta_routes.node_route(request)
    if not meta_routes.VERSION.match(request.path_params["version"]):
        return await meta_routes.node_route(request)

    async def run(req: Request) -> Response:
        call = await open_call(req, "fb_engagement", FB, None)
        return call if isinstance(call, Response) else finish(call, fb_engagement(call, node))

    return await guarded(request, "fb_engagement", META, run)


async def videos_route(request: Request) -> Response:
    parts = [p.strip() for p in request.query_params.get("part", "").split(",") if p.strip()]
    if "statistics" not in parts:
        return await youtube.videos_route(request)
    # Same endpoint name as plain videos.list: it IS videos.list, and faults name it so.
    return await guarded(request, "yt_videos_list", GOOGLE_API, _videos_with_statistics)


async def _videos_with_statistics(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if bearer_account(request) is None:
        return errors.google_auth_error()
    ids = [i for i in request.query_params.get("id", "").split(",") if i]
    if len(ids) > YT_MAX_IDS:
        return errors.google_error(
            400, "badRequest", f"The request specifies more than {YT_MAX_IDS} video ids."
        )
    if not state.yt_quota.charge(state.settings.yt_list_cost, state.now()):
        return quota_exceeded()
    parts = tuple(p.strip() for p in request.query_params["part"].split(","))
    now, items = state.now(), []
    # Unknown ids are left out of `items`, not refused: that is how videos.list says
    # "not found" (deleted, private or never existed).
    for video_id in (i for i in ids if i in state.videos):
        item = video_resource(state, state.videos[video_id], parts)
        entry = state.ledger.by_external_id.get(video_id)
        counts = entry_counts(entry, now) if entry else None
        item["statistics"] = {  # Google sends counts as decimal strings
            "viewCount": str(counts.views if counts else 0),
            "likeCount": str(counts.likes if counts else 0),
            "favoriteCount": "0",
            "commentCount": str(counts.comments if counts else 0),
        }
        items.append(item)
    body = {
        "kind": "youtube#videoListResponse",
        "etag": hashlib.sha1(",".join(ids).encode()).hexdigest()[:27],
        "items": items,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
    }
    return errors.json_response(body)


# Mounted ahead of YouTube's own routes (platforms/youtube/sandbox.py), whose plain
# `videos.list` it defers to.
YOUTUBE_ROUTES = [Route("/youtube/v3/videos", videos_route, methods=["GET"])]

ROUTES = [
    Route("/{version}/{node}/insights", ig_insights_route, methods=["GET"]),
    # GET only: a POST to a node falls through to the Graph catch-all as before.
    Route("/{version}/{node}", graph_node_route, methods=["GET"]),
]
