"""The Mastodon sandbox's media: POST /api/v2/media (multipart `file`, identified by its
content as Mastodon does; video processed after the answer) and GET /api/v1/media/:id."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from starlette.requests import Request
from starlette.responses import Response

from . import sandbox_render as render
from .sandbox_http import answer, base_of, error, open_call, sb_of
from .sandbox_state import SandboxMedia

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftypqt", 4, "video/quicktime"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
)


def _multipart(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts: dict[str, tuple[str | None, bytes]] = {}
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return parts


def _sniff(data: bytes) -> str | None:
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    return None


async def upload(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    account, headers = open_call(request, media=True)
    parts = _multipart(await request.body(), request.headers.get("content-type", ""))
    if "file" not in parts or not parts["file"][1]:
        return error("Validation failed: File can't be blank", 422, headers)
    data, c = parts["file"][1], sb.config
    mime = _sniff(data)
    if mime is None or mime not in c.supported_mime_types:
        return error(
            "Validation failed: File content type is invalid, File is invalid", 422, headers
        )
    kind = mime.split("/")[0]
    limit = c.image_size_limit if kind == "image" else c.video_size_limit
    if len(data) > limit:
        return error(
            f"Validation failed: File file size must be less than {limit} Bytes", 422, headers
        )
    description = parts.get("description", (None, b""))[1].decode("utf-8", "replace") or None
    now = state.now()
    # Images are processed during the request; video is processed afterwards (202).
    delay = state.faults.video_processing_seconds if kind == "video" else 0.0
    m = SandboxMedia(sb.new_id(), account, kind, mime, len(data), now, now + delay, description)
    sb.add_media(m)
    return answer(render.media(m, base_of(request), now), headers, 202 if delay > 0 else 200)


async def media_status(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    account, headers = open_call(request)
    m = sb.unattached(request.path_params["id"], account)
    if m is None:
        return error("Record not found", 404, headers)
    now = state.now()
    return answer(
        render.media(m, base_of(request), now), headers, 200 if now >= m.ready_at else 206
    )
