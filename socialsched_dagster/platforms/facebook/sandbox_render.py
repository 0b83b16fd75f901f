"""How Graph shows a Page's posts, photos and videos: the fields it returns and their shapes.

Written from the Page Post, Page Feed, Video and Photo references as they stand today:
- the post fields deprecated in v3.3 (`link`, `type`, `caption`, `description`, `name`,
  `object_id`, `source`) answer error #12 ("link field is deprecated for versions v3.3 and
  higher"); what a post links to, or shows, is under `attachments{...}`, where a link's `url` is
  Facebook's l.facebook.com redirect and `unshimmed_url` the address itself;
- a photo or video is re-hosted: its attachment and `full_picture` point at Facebook's CDN,
  never at the URL it was uploaded from;
- empty fields are left out (a captionless photo post has no `message`);
- an unknown field answers #100 "Tried accessing nonexisting field".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.clock import graph_time
from ...sandbox.insights_graph import field_name, split_fields

DEPRECATED_POST_FIELDS = ("caption", "description", "link", "name", "object_id", "source", "type")
POST_FIELDS = frozenset(
    {
        "id", "message", "created_time", "updated_time", "permalink_url", "full_picture",
        "attachments", "is_published", "status_type", "is_hidden", "is_expired", "from",
    }
)  # fmt: skip
VIDEO_FIELDS = frozenset(
    {"id", "title", "description", "created_time", "updated_time", "published", "post_id",
     "permalink_url"}
)  # fmt: skip
PHOTO_FIELDS = frozenset({"id", "created_time", "name", "link", "page_story_id"})
DEFAULT_FIELDS = ("created_time", "message", "id")
STATUS_TYPE = {
    "status": "mobile_status_update",
    "link": "shared_story",
    "photo": "added_photos",
    "video": "added_video",
}
CDN = "https://scontent.xx.fbcdn.net/v"


@dataclass(frozen=True)
class Item:
    """A post (of any kind), a video or a photo, published or not, as Graph can show it."""

    id: str
    account: str
    kind: str  # "status", "link", "photo", "video" (a post); "photo_object"
    ts: float
    published: bool
    message: str = ""
    title: str = ""
    link: str | None = None
    photo_id: str | None = None
    video_id: str | None = None
    post_id: str | None = None  # a video's or photo's feed post


def requested(raw: str | None, default: tuple[str, ...] = DEFAULT_FIELDS) -> list[str]:
    return split_fields(raw) if raw else list(default)


def refuse_fields(fields: list[str], allowed: frozenset[str], node: str) -> Response | None:
    """Graph's answer to a deprecated or unknown field, or None when every field is known."""
    for f in fields:
        name = field_name(f)
        if node == "PagePost" and name in DEPRECATED_POST_FIELDS:
            return errors.meta_error(
                12, f"(#12) {name} field is deprecated for versions v3.3 and higher"
            )
        if name not in allowed:
            return errors.meta_invalid_param(
                f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})"
            )
    return None


def render_post(item: Item, fields: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": item.id,
        "message": item.message or None,
        "created_time": graph_time(item.ts),
        "updated_time": graph_time(item.ts),
        "permalink_url": f"https://www.facebook.com/{item.id}",
        "full_picture": _picture(item),
        "attachments": _attachments(item),
        "is_published": item.published,
        "status_type": STATUS_TYPE.get(item.kind),
        "is_hidden": False,
        "is_expired": False,
        "from": {"id": item.account, "name": f"Sandbox facebook {item.account}"},
    }
    return _select(values, fields)


def render_video(item: Item, fields: list[str]) -> dict[str, Any]:
    values = {
        "id": item.video_id,
        "title": item.title or None,
        "description": item.message or None,
        "created_time": graph_time(item.ts),
        "updated_time": graph_time(item.ts),
        "published": item.published,
        "post_id": item.post_id if item.published else None,
        "permalink_url": f"/{item.account}/videos/{item.video_id}/",
    }
    return _select(values, fields)


def render_photo(item: Item, fields: list[str]) -> dict[str, Any]:
    values = {
        "id": item.photo_id,
        "created_time": graph_time(item.ts),
        "name": item.message or None,
        "link": _photo_page(item),
        "page_story_id": item.post_id if item.published else None,
    }
    return _select(values, fields)


def _select(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in [*fields, "id"]:
        name = field_name(f)
        value = values.get(name)
        if value is None or name in out:
            continue
        out[name] = _narrow(value, _subfields(f))
    return out


def _subfields(field: str) -> list[str] | None:
    start = field.find("{")
    return split_fields(field[start + 1 : field.rfind("}")]) if start >= 0 else None


def _narrow(value: Any, sub: list[str] | None) -> Any:
    """`attachments{url,target{id}}`: keep only the named sub-fields, at every level."""
    if sub is None:
        return value
    if isinstance(value, dict) and "data" in value:
        return {**value, "data": [_narrow(v, sub) for v in value["data"]]}
    if isinstance(value, dict):
        keep = {field_name(s): _subfields(s) for s in sub}
        return {k: _narrow(v, keep[k]) for k, v in value.items() if k in keep}
    return value


def _shim(link: str) -> str:
    h = hashlib.sha256(link.encode()).hexdigest()[:24]
    return f"https://l.facebook.com/l.php?u={quote(link, safe='')}&h=AT{h}"


def _photo_page(item: Item) -> str:
    return f"https://www.facebook.com/photo.php?fbid={item.photo_id}&set=a.{item.account}&type=3"


def _picture(item: Item) -> str | None:
    if item.kind == "photo":
        return f"{CDN}/t39.30808-6/{item.photo_id}_n.jpg"
    if item.kind == "video":
        return f"{CDN}/t15.5256-10/{item.video_id}_n.jpg"
    return None  # a link's preview image is whatever its page declares; the sandbox reads none


def _attachments(item: Item) -> dict[str, Any] | None:
    if item.kind == "link" and item.link:
        shim = _shim(item.link)
        one = {
            "media_type": "link",
            "type": "share",
            "url": shim,
            "unshimmed_url": item.link,
            "target": {"url": shim},
        }
    elif item.kind == "photo":
        page = _photo_page(item)
        image = {"height": 720, "width": 960, "src": _picture(item)}
        one = {
            "media_type": "photo",
            "type": "photo",
            "url": page,
            "unshimmed_url": page,
            "target": {"id": item.photo_id, "url": page},
            "media": {"image": image},
        }
    elif item.kind == "video":
        page = f"https://www.facebook.com/{item.account}/videos/{item.video_id}/"
        image = {"height": 720, "width": 1280, "src": _picture(item)}
        one = {
            "media_type": "video",
            "type": "video_inline",
            "url": page,
            "unshimmed_url": page,
            "target": {"id": item.video_id, "url": page},
            "title": item.title or None,
            "media": {"image": image, "source": f"{CDN}/t42.1790-2/{item.video_id}_n.mp4"},
        }
    else:
        return None
    return {"data": [{k: v for k, v in one.items() if v is not None}]}
