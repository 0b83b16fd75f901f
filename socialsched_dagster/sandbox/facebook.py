"""Facebook Pages: feed posts, photos, videos, and the page feed listing (for reconciliation)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import errors
from .clock import graph_time
from .graph import GraphCall
from .ig_rules import fetchable
from .paging import page
from .state import numeric_id


def _commit(call: GraphCall, external_id: str, post_id: str, text: str, **private: Any) -> None:
    state = call.state
    entry = state.ledger.new_entry(
        platform="facebook",
        account=call.account,
        external_id=external_id,
        post_id=post_id,
        endpoint=call.endpoint,
        ts=state.now(),
        text=text,
        source_id=None,
        target=call.target,
        **private,
    )
    state.record(entry)


def feed(call: GraphCall) -> Response:
    message, link = call.params.get("message", ""), call.params.get("link", "")
    if not message.strip() and not link:
        return errors.meta_invalid_param("(#100) Missing message or attachment")
    post_id = f"{call.account}_{numeric_id('10')}"
    _commit(call, post_id, post_id, message, link=link or None, kind="status")
    return errors.json_response({"id": post_id})


def photos(call: GraphCall) -> Response:
    url = call.params.get("url")
    if not fetchable(url):
        return errors.meta_error(324, "(#324) Missing or invalid image file")
    caption = call.params.get("caption") or call.params.get("message", "")
    photo_id = numeric_id("10")
    post_id = f"{call.account}_{numeric_id('10')}"
    _commit(call, photo_id, post_id, caption, kind="photo")
    return errors.json_response({"id": photo_id, "post_id": post_id})


def videos(call: GraphCall) -> Response:
    url = call.params.get("file_url")
    if not fetchable(url):
        return errors.meta_invalid_param(
            "(#100) file_url must be a URL the platform can download the video from"
        )
    title, description = call.params.get("title", ""), call.params.get("description", "")
    video_id = numeric_id("10")
    _commit(call, video_id, f"{call.account}_{video_id}", f"{title}\n{description}", kind="video")
    return errors.json_response({"id": video_id})


def _message(e: dict[str, Any]) -> str:
    # A video's "message" on the feed is its description, not the hashed title+description.
    return e["_text"].split("\n", 1)[1] if e.get("_kind") == "video" else e["_text"]


def feed_list(call: GraphCall) -> Response:
    fields = call.fields(("id", "message", "created_time"))

    def render(e: dict[str, Any]) -> dict[str, Any]:
        values = {
            "id": e["post_id"],
            "message": _message(e),
            "created_time": graph_time(e["ts"]),
            "link": e.get("_link"),
            "permalink_url": f"https://www.facebook.com/{e['post_id']}",
        }
        return {f: values[f] for f in ["id", *fields] if values.get(f) is not None}

    items = call.state.ledger.items("facebook", call.account)
    body = page(call.request, call.params, items, render)
    if body is None:
        return errors.meta_invalid_param("(#100) Invalid cursor")
    return errors.json_response(body)
