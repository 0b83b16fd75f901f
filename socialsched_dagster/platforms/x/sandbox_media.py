"""The X sandbox's media upload, as X's v2 reference describes it:

  POST /2/media/upload/initialize   JSON {media_type, total_bytes, media_category}
                                    -> {"data": {"id", "media_key", "expires_after_secs"}}
  POST /2/media/upload/{id}/append  multipart segment_index (0-999) + media (a chunk)
                                    -> {"data": {"expires_at"}}
  POST /2/media/upload/{id}/finalize -> {"data": {"id", "media_key", "size",
                                    "expires_after_secs", "processing_info"?}}
  GET  /2/media/upload?command=STATUS&media_id=.. -> the same, with processing_info

Images are processed when finalized; videos and GIFs answer `processing_info` (pending, then
in_progress, then succeeded or failed) with `check_after_secs`, taking the fault config's
`video_processing_seconds`. The file is identified by its bytes: a video that is not one fails
processing in X's words.
"""

from __future__ import annotations

import math
from email import policy
from email.parser import BytesParser
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .sandbox_http import Refused, answer, invalid, json_body, open_call, sb_of
from .sandbox_state import XMedia

TYPES = {
    "tweet_image": ("image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/bmp",
                    "image/tiff"),
    "tweet_gif": ("image/gif",),
    "tweet_video": ("video/mp4", "video/webm", "video/mp2t", "video/quicktime"),
    "amplify_video": ("video/mp4", "video/quicktime"),
}  # fmt: skip
KEY_TYPE = {"tweet_image": "3", "tweet_gif": "16", "tweet_video": "7", "amplify_video": "13"}
_MAGIC = {
    "image/png": (b"\x89PNG", 0),
    "image/jpeg": (b"\xff\xd8\xff", 0),
    "image/pjpeg": (b"\xff\xd8\xff", 0),
    "image/gif": (b"GIF8", 0),
    "image/webp": (b"WEBP", 8),
    "image/bmp": (b"BM", 0),
    "video/mp4": (b"ftyp", 4),
    "video/quicktime": (b"ftyp", 4),
    "video/webm": (b"\x1a\x45\xdf\xa3", 0),
}
UNSUPPORTED = "Invalid or Unsupported media, Reason: UnsupportedMedia."


def _max_bytes(request: Request, category: str) -> int:
    limits = sb_of(request).limits
    if category == "tweet_image":
        return limits.image_max_bytes
    return limits.gif_max_bytes if category == "tweet_gif" else limits.video_max_bytes


def _own(request: Request, account: str, media_id: str, headers: dict) -> XMedia:
    m = sb_of(request).media.get(media_id)
    if m is None or m.account != account:
        raise Refused(invalid("Invalid media_id.", {"id": [media_id]}, headers))
    return m


def _looks_right(m: XMedia) -> bool:
    magic, at = _MAGIC.get(m.media_type, (b"", 0))
    head = bytes.fromhex(m.head)
    return bool(magic) and head[at : at + len(magic)] == magic


def _data(request: Request, m: XMedia) -> dict[str, Any]:
    state, sb = request.app.state.sandbox, sb_of(request)
    now = state.now()
    data: dict[str, Any] = {
        "id": m.id,
        "media_key": m.key,
        "size": m.total,
        "expires_after_secs": max(0, int(m.created_at + sb.limits.media_ttl_s - now)),
    }
    if m.finalized_at is not None and (m.is_video or m.is_gif):
        data["processing_info"] = _processing(m, now)
    return data


def _processing(m: XMedia, now: float) -> dict[str, Any]:
    ready, started = m.ready_at or now, m.finalized_at or now
    if now >= ready:
        if m.failed:
            return {
                "state": "failed",
                "progress_percent": 100,
                "error": {"code": 1, "name": "InvalidMedia", "message": m.failed},
            }
        return {"state": "succeeded", "progress_percent": 100}
    span = max(ready - started, 1e-6)
    left = math.ceil(ready - now)
    if now - started < span / 3:
        return {"state": "pending", "check_after_secs": max(1, left)}
    percent = int(100 * (now - started) / span)
    return {"state": "in_progress", "check_after_secs": max(1, left), "progress_percent": percent}


async def initialize(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    body = await json_body(request)
    account, headers = open_call(request, "media_initialize", sb.limits.media_per_user)
    if not isinstance(body, dict):
        return invalid("Request body must be a JSON object.", headers=headers)
    category = str(body.get("media_category") or "tweet_image")
    media_type, total = str(body.get("media_type") or ""), body.get("total_bytes")
    if category not in TYPES:
        return invalid(f"Invalid media_category: {category}", {"media_category": [category]},
                       headers)  # fmt: skip
    if media_type not in TYPES[category]:
        return invalid(
            f"media_type {media_type} is not allowed for media_category {category}",
            {"media_type": [media_type]},
            headers,
        )
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return invalid("total_bytes must be a positive integer", {"total_bytes": [str(total)]},
                       headers)  # fmt: skip
    if total > _max_bytes(request, category):
        return invalid(
            f"File size exceeds {_max_bytes(request, category)} bytes.",
            {"total_bytes": [str(total)]},
            headers,
        )
    media_id = sb.new_id()
    m = XMedia(media_id, f"{KEY_TYPE[category]}_{media_id}", account, media_type, category,
               total, state.now())  # fmt: skip
    sb.add_media(m)
    ttl = sb.limits.media_ttl_s
    return answer({"data": {"id": m.id, "media_key": m.key, "expires_after_secs": ttl}}, headers)


def _multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts: dict[str, bytes] = {}
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                parts[str(name)] = part.get_payload(decode=True) or b""
    return parts


async def append(request: Request) -> Response:
    sb = sb_of(request)
    raw = await request.body()
    account, headers = open_call(request, "media_append", sb.limits.media_per_user)
    m = _own(request, account, request.path_params["id"], headers)
    parts = _multipart(raw, request.headers.get("content-type", ""))
    segment = parts.get("segment_index", b"").decode("ascii", "replace")
    chunk = parts.get("media")
    if not segment.isdigit() or int(segment) > 999:
        return invalid("segment_index must be between 0 and 999", {"segment_index": [segment]},
                       headers)  # fmt: skip
    if not chunk:
        return invalid("media is required", {"media": [""]}, headers)
    if m.finalized_at is not None:
        return invalid("The media upload is already finalized.", {"id": [m.id]}, headers)
    if m.received + len(chunk) > m.total:
        return invalid("Media upload exceeds total_bytes.", {"media": [m.id]}, headers)
    sb.append(m, len(chunk), chunk[:16])
    expires = int(m.created_at + sb.limits.media_ttl_s)
    return answer({"data": {"expires_at": expires}}, headers)


async def finalize(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    account, headers = open_call(request, "media_finalize", sb.limits.media_per_user)
    m = _own(request, account, request.path_params["id"], headers)
    if m.finalized_at is None:
        if m.received != m.total:
            return invalid(
                f"File size mismatch: received {m.received} of {m.total} bytes.",
                {"id": [m.id]},
                headers,
            )
        right = _looks_right(m)
        if not right and not (m.is_video or m.is_gif):
            return invalid(UNSUPPORTED, {"id": [m.id]}, headers)
        slow = m.is_video or m.is_gif
        delay = state.faults.video_processing_seconds if slow else 0.0
        sb.finalize(m, state.now() + delay, None if right else UNSUPPORTED)
    return answer({"data": _data(request, m)}, headers)


async def status(request: Request) -> Response:
    sb = sb_of(request)
    account, headers = open_call(request, "media_status", sb.limits.media_per_user)
    q = request.query_params
    if q.get("command", "STATUS") != "STATUS":
        return invalid("command must be STATUS", {"command": [q.get("command", "")]}, headers)
    m = _own(request, account, q.get("media_id", ""), headers)
    return answer({"data": _data(request, m)}, headers)
