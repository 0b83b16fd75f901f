"""Facebook Pages writes: posts, photos and videos, published at once or created unpublished
and made public later (the reads are in sandbox_reads.py).

As the Pages API documents it: `POST /{page}/feed` (and `/photos`, `/videos`) publishes unless
`published=false`; an unpublished post is invisible (not in the feed, not in the ledger) until
`POST /{post-id}` with `is_published=true` (a video: `POST /{video-id}` with `published=true`);
photos uploaded with `published=false` are attached to a post with `attached_media`. Publishing
what is already public changes nothing and answers success again; an id that does not exist,
or belongs to another Page, answers code 100 subcode 33. A post counts in the ledger when it
becomes public, with the target header of the request that made it so.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.graph import GraphCall
from ...sandbox.state import numeric_id
from ..instagram.sandbox_rules import fetchable
from .sandbox_objects import FbObject
from .sandbox_reads import lookup

SUCCESS = {"success": True}


def _bool(value: str | None, default: bool) -> bool:
    return default if value is None else value.strip().lower() in ("true", "1")


def _commit(call: GraphCall, external_id: str, post_id: str, text: str, **kw: Any) -> None:
    state = call.state
    source, target = kw.pop("source", None), kw.pop("target", None) or call.target
    entry = state.ledger.new_entry(
        platform="facebook", account=call.account, external_id=external_id, post_id=post_id,
        endpoint=call.endpoint, ts=state.now(), text=text, source_id=source, target=target,
        **{k: v for k, v in kw.items() if v is not None},
    )  # fmt: skip
    state.record(entry)


def _commit_post(call: GraphCall, post_id: str, message: str, link, photos, **kw: Any) -> None:
    kind = "photo" if photos else "link" if link else "status"
    photo = photos[0] if photos else None
    _commit(
        call, post_id, post_id, message, kind=kind, link=link,
        photo_id=photo.id if photo else None, media_url=photo.url if photo else None, **kw,
    )  # fmt: skip


def feed(call: GraphCall) -> Response:
    p = call.params
    message, link = p.get("message", ""), p.get("link") or None
    if p.get("scheduled_publish_time"):
        return errors.meta_invalid_param("(#100) The sandbox does not imitate scheduled posts")
    photos = _attached_photos(call)
    if isinstance(photos, Response):
        return photos
    if not message.strip() and not link and not photos:
        return errors.meta_invalid_param("(#100) Missing message or attachment")
    post_id = f"{call.account}_{numeric_id('10')}"
    if not _bool(p.get("published"), True):
        obj = FbObject(post_id, call.account, "post", call.state.now(), message=message,
                       link=link, photo_ids=[o.id for o in photos], target=call.target)  # fmt: skip
        call.state.add_fb_object(obj)
    else:
        _commit_post(call, post_id, message, link, photos)
    return errors.json_response({"id": post_id})


def _attached_photos(call: GraphCall) -> list[FbObject] | Response:
    """`attached_media=[{"media_fbid":"..."}]` (or `attached_media[0]={...}`): photos of this
    Page uploaded with `published=false`."""
    ids: list[str] = []
    try:
        for key, raw in sorted(call.params.items()):
            if key.startswith("attached_media"):
                value = json.loads(raw)
                ids += [
                    str(x["media_fbid"]) for x in (value if isinstance(value, list) else [value])
                ]
    except (ValueError, TypeError, KeyError):
        return errors.meta_invalid_param("(#100) param attached_media must be an array of objects")
    photos = [call.state.fb_objects.get(i) for i in ids]
    for i, o in zip(ids, photos, strict=True):
        if o is None or o.kind != "photo" or o.account != call.account:
            return errors.meta_invalid_param(f"(#100) Invalid media_fbid: {i}")
    return photos  # type: ignore[return-value]


def photos(call: GraphCall) -> Response:
    url = call.params.get("url")
    if not fetchable(url):
        return errors.meta_error(324, "(#324) Missing or invalid image file")
    caption = call.params.get("caption") or call.params.get("message", "")
    photo_id = numeric_id("10")
    if not _bool(call.params.get("published"), True):
        obj = FbObject(photo_id, call.account, "photo", call.state.now(), message=caption,
                       url=url, target=call.target)  # fmt: skip
        call.state.add_fb_object(obj)
        return errors.json_response({"id": photo_id})  # no story, so no post id
    post_id = f"{call.account}_{numeric_id('10')}"
    _commit(call, photo_id, post_id, caption, kind="photo", photo_id=photo_id, media_url=url)
    return errors.json_response({"id": photo_id, "post_id": post_id})


def videos(call: GraphCall) -> Response:
    url = call.params.get("file_url")
    if not fetchable(url):
        return errors.meta_invalid_param(
            "(#100) file_url must be a URL the platform can download the video from"
        )
    title, description = call.params.get("title", ""), call.params.get("description", "")
    video_id = numeric_id("10")
    if not _bool(call.params.get("published"), True):
        obj = FbObject(video_id, call.account, "video", call.state.now(), message=description,
                       title=title, url=url, target=call.target)  # fmt: skip
        call.state.add_fb_object(obj)
    else:
        _commit_video(call, video_id, title, description, url)
    return errors.json_response({"id": video_id})


def _commit_video(call: GraphCall, video_id: str, title: str, description: str, url, **kw):
    post_id = f"{call.account}_{video_id}"
    # The ledger hashes title and description together; the feed shows the description.
    _commit(call, video_id, post_id, f"{title}\n{description}", kind="video", title=title,
            video_id=video_id, media_url=url, **kw)  # fmt: skip


def publish(call: GraphCall, node: str) -> Response:
    """`POST /{post-id}` with `is_published=true`, `POST /{video-id}` with `published=true`."""
    found = lookup(call.state, node)
    if found is None or found[0].account != call.account:
        return errors.meta_unsupported("POST", node)
    item, node_type = found
    param = {"PagePost": "is_published", "Video": "published"}.get(node_type)
    if param is None or call.params.get(param) is None:
        return errors.meta_invalid_param(
            f"(#100) The sandbox imitates only {param or 'publishing'}=true on this node"
        )
    if not _bool(call.params[param], True):
        if item.published:
            return errors.meta_invalid_param("(#100) A published post cannot be unpublished")
        return errors.json_response(SUCCESS)
    if item.published:
        return errors.json_response(SUCCESS)  # already public: nothing changes
    obj = call.state.fb_objects[node]
    kw = {"source": obj.id, "target": call.target or obj.target}
    if obj.kind == "video":
        _commit_video(call, obj.id, obj.title, obj.message, obj.url, **kw)
    else:
        photos = [call.state.fb_objects[i] for i in obj.photo_ids]
        _commit_post(call, obj.id, obj.message, obj.link, photos, **kw)
    return errors.json_response(SUCCESS)
