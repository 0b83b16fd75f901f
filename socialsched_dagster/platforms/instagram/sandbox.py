"""Instagram content publishing: containers, their status, media_publish, quota and media list."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.clock import graph_time
from ...sandbox.graph import GraphCall
from ...sandbox.paging import page
from ...sandbox.state import Container, numeric_id
from .sandbox_rules import STATUS_TEXT, caption_error, fetchable, status_code


def create_container(call: GraphCall) -> Response:
    state, p, now = call.state, call.params, call.state.now()
    media_type = p.get("media_type", "").upper()
    image_url, video_url = p.get("image_url"), p.get("video_url")
    caption = p.get("caption", "")
    item = p.get("is_carousel_item", "").lower() == "true"
    children: list[str] = []
    if media_type == "CAROUSEL":
        children = [c.strip() for c in p.get("children", "").split(",") if c.strip()]
        if not 2 <= len(children) <= 10:
            return errors.meta_invalid_param(
                "(#100) A carousel must have between 2 and 10 children."
            )
        for cid in children:
            child = state.containers.get(cid)
            if not child or child.account != call.account or not child.carousel_item:
                return errors.meta_invalid_param(
                    f"(#100) Invalid carousel child: {cid}", subcode=2207006
                )
        url = None
    elif media_type == "REELS" or (media_type in ("VIDEO", "STORIES") and video_url):
        if not video_url:
            return errors.meta_invalid_param("(#100) The parameter video_url is required.")
        if media_type == "VIDEO" and not item:
            return errors.meta_invalid_param(
                "(#100) The VIDEO media type is no longer supported for feed posts. Use REELS."
            )
        url = video_url
    elif media_type in ("", "IMAGE", "STORIES"):
        if not image_url:
            return errors.meta_invalid_param("(#100) The parameter image_url is required.")
        media_type, url = media_type or "IMAGE", image_url
    else:
        return errors.meta_invalid_param(f"(#100) Unsupported media_type: {media_type}")
    refused = None if item else caption_error(state, caption)
    if refused:
        return refused
    is_video = media_type in ("REELS", "VIDEO") or (media_type == "STORIES" and bool(video_url))
    delay = state.faults.video_processing_seconds if is_video else 0.0
    container = Container(
        id=numeric_id("178"),
        account=call.account,
        media_type=media_type,
        created_at=now,
        ready_at=now + delay,
        caption=caption,
        media_url=url,
        children=children,
        carousel_item=item,
        fetchable=media_type == "CAROUSEL" or fetchable(url),
    )
    state.add_container(container)
    return errors.json_response({"id": container.id})


def container_status(call: GraphCall, c: Container) -> Response:
    code = status_code(call.state, c, call.state.now())
    values = {"id": c.id, "status_code": code, "status": STATUS_TEXT[code]}
    fields = call.fields(("id",))
    return errors.json_response({f: values[f] for f in ["id", *fields] if f in values})


def publish(call: GraphCall) -> Response:
    state, now = call.state, call.state.now()
    cid = call.params.get("creation_id")
    if not cid:
        return errors.meta_invalid_param("(#100) The parameter creation_id is required.")
    c = state.containers.get(cid)
    if c is None or c.account != call.account or c.carousel_item:
        return errors.meta_invalid_param(
            "The media with this creation_id cannot be found or cannot be published.",
            subcode=2207006,
        )
    code = status_code(state, c, now)
    if code == "PUBLISHED":
        # Real Instagram refuses a second publish of the same container: no second post.
        return errors.meta_error(
            9007,
            "Media ID is not available",
            subcode=2207027,
            user_title="Media already published",
            user_msg="This media container has already been published.",
        )
    if code == "EXPIRED":
        # Instagram's error-code table: HTTP 400, code -2, subcode 2207020 ("generate a new
        # container ID and use it to try again").
        return errors.meta_error(
            -2,
            "The media you are trying to access has expired. Please try to upload again.",
            subcode=2207020,
            user_title="Media expired",
            user_msg="The media you are trying to access has expired. Please try to upload again.",
        )
    if code == "ERROR":
        return errors.meta_error(
            9004,
            "Media download has failed. The media URI doesn't meet our requirements.",
            subcode=2207052,
        )
    if code == "IN_PROGRESS":
        return errors.meta_error(
            24,
            "Media ID is not available",
            subcode=2207008,
            user_title="Media not ready",
            user_msg="The media is not ready for publishing, please wait for a moment.",
        )
    if state.ig_window(call.account).count(now) >= state.settings.ig_quota_total:
        return errors.meta_error(
            9,
            "Application request limit reached",
            subcode=2207042,
            user_title="Cannot publish",
            user_msg="You reached the maximum number of posts allowed in 24 hours.",
        )
    media_id = numeric_id("179")
    entry = state.ledger.new_entry(
        platform="instagram",
        account=call.account,
        external_id=media_id,
        endpoint=call.endpoint,
        ts=now,
        text=c.caption,
        source_id=c.id,
        target=call.target,
        kind=c.media_type,
    )
    state.record(entry)
    return errors.json_response({"id": media_id})


def publishing_limit(call: GraphCall) -> Response:
    s = call.state.settings
    used = call.state.ig_window(call.account).count(call.state.now())
    config = {"quota_total": s.ig_quota_total, "quota_duration": s.ig_quota_duration}
    return errors.json_response({"data": [{"quota_usage": used, "config": config}]})


MEDIA_TYPE = {"IMAGE": "IMAGE", "REELS": "VIDEO", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}


def media_list(call: GraphCall) -> Response:
    fields = call.fields(("id",))

    def render(e: dict[str, Any]) -> dict[str, Any]:
        kind = e.get("_kind", "IMAGE")
        values = {
            "id": e["external_id"],
            "caption": e["_text"],
            "timestamp": graph_time(e["ts"]),
            "media_type": MEDIA_TYPE.get(kind, "IMAGE"),
            "media_product_type": {"REELS": "REELS", "STORIES": "STORY"}.get(kind, "FEED"),
            "permalink": f"https://www.instagram.com/p/{e['external_id']}/",
        }
        return {f: values[f] for f in ["id", *fields] if f in values}

    items = call.state.ledger.items("instagram", call.account)
    body = page(call.request, call.params, items, render)
    if body is None:
        return errors.meta_invalid_param("(#100) Invalid cursor")
    return errors.json_response(body)
