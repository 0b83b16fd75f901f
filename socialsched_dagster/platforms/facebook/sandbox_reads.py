"""Facebook Pages reads: a node by id (is it public?), the Page's posts and its videos.

Everything an id can name lives in the ledger (public) or in `fb_objects` (not yet public);
`lookup` finds it in either and says which node type Graph would call it.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.graph import GraphCall
from ...sandbox.paging import page
from ...sandbox.state import SandboxState
from .sandbox_objects import FbObject
from .sandbox_render import (
    PHOTO_FIELDS,
    POST_FIELDS,
    VIDEO_FIELDS,
    Item,
    refuse_fields,
    render_photo,
    render_post,
    render_video,
    requested,
)


def read(call: GraphCall, node: str) -> Response:
    """`GET /{post-id}`, `/{video-id}`, `/{photo-id}`: what it is and whether it is public."""
    found = lookup(call.state, node)
    if found is None or found[0].account != call.account:
        return errors.meta_unsupported("GET", node)
    item, node_type = found
    allowed, render = {
        "PagePost": (POST_FIELDS, render_post),
        "Video": (VIDEO_FIELDS, render_video),
        "Photo": (PHOTO_FIELDS, render_photo),
    }[node_type]
    fields = requested(call.params.get("fields"))
    return refuse_fields(fields, allowed, node_type) or errors.json_response(render(item, fields))


def feed_list(call: GraphCall) -> Response:
    """`GET /{page}/feed` and `/{page}/posts`: the public posts, newest first."""
    fields = requested(call.params.get("fields"))
    refused = refuse_fields(fields, POST_FIELDS, "PagePost")
    items = _since(call, call.state.ledger.items("facebook", call.account))
    if refused or isinstance(items, Response):
        return refused or items  # type: ignore[return-value]
    return _page(call, items, lambda e: render_post(entry_item(e), fields))


def videos_list(call: GraphCall) -> Response:
    fields = requested(call.params.get("fields"), ("id", "description", "updated_time"))
    refused = refuse_fields(fields, VIDEO_FIELDS, "Video")
    entries = call.state.ledger.items("facebook", call.account)
    items = _since(call, [e for e in entries if e.get("_kind") == "video"])
    if refused or isinstance(items, Response):
        return refused or items  # type: ignore[return-value]
    return _page(call, items, lambda e: render_video(entry_item(e), fields))


def _since(call: GraphCall, items: list[dict[str, Any]]) -> list[dict[str, Any]] | Response:
    """Graph's time bounds on an edge: `since` / `until` as Unix timestamps."""
    try:
        since, until = (float(call.params[k]) if call.params.get(k) else None
                        for k in ("since", "until"))  # fmt: skip
    except ValueError:
        return errors.meta_invalid_param("(#100) since and until must be Unix timestamps")
    return [
        e for e in items
        if (since is None or e["ts"] >= since) and (until is None or e["ts"] <= until)
    ]  # fmt: skip


def _page(call: GraphCall, items: list[dict[str, Any]], render) -> Response:
    body = page(call.request, call.params, items, render)
    if body is None:
        return errors.meta_invalid_param("(#100) Invalid cursor")
    return errors.json_response(body)


def lookup(state: SandboxState, node: str) -> tuple[Item, str] | None:
    """The item an id names and its node type (PagePost, Video, Photo), published or not."""
    ledger = state.ledger
    entry = ledger.by_external_id.get(node) or ledger.by_source.get(node)
    if entry is None or entry["platform"] != "facebook":
        obj = state.fb_objects.get(node)
        if obj is not None:
            return _object_item(obj)
        # A photo's or a video's feed post, named by its post id (`<page>_<n>`).
        entry = next(
            (e for e in ledger.entries if e["platform"] == "facebook" and e["post_id"] == node),
            None,
        ) if "_" in node else None  # fmt: skip
    if entry is not None:
        item = entry_item(entry)
        if item.kind == "video" and node == item.video_id:
            return item, "Video"
        if item.kind == "photo" and node == item.photo_id and node != item.id:
            return item, "Photo"
        return item, "PagePost"
    return None


def entry_item(e: dict[str, Any]) -> Item:
    kind = e.get("_kind", "status")
    if kind == "status" and e.get("_link"):
        kind = "link"  # ledgers written before links had a kind of their own
    video = kind == "video"
    text = e["_text"]
    return Item(
        id=e["post_id"] or e["external_id"], account=e["account"], kind=kind, ts=e["ts"],
        published=True, message=text.split("\n", 1)[-1] if video else text,
        title=e.get("_title") or (text.split("\n", 1)[0] if video else ""), link=e.get("_link"),
        photo_id=e.get("_photo_id") or (e["external_id"] if kind == "photo" else None),
        video_id=e.get("_video_id") or (e["external_id"] if video else None),
        post_id=e["post_id"],
    )  # fmt: skip


def _object_item(o: FbObject) -> tuple[Item, str]:
    common = {"account": o.account, "ts": o.created_at, "published": False, "message": o.message}
    if o.kind == "video":
        item = Item(id=f"{o.account}_{o.id}", kind="video", title=o.title, video_id=o.id, **common)
        return item, "Video"
    if o.kind == "photo":
        return Item(id=o.id, kind="photo", photo_id=o.id, **common), "Photo"
    kind = "photo" if o.photo_ids else "link" if o.link else "status"
    photo = o.photo_ids[0] if o.photo_ids else None
    return Item(id=o.id, kind=kind, link=o.link, photo_id=photo, **common), "PagePost"
