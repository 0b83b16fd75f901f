"""YouTube Data API v3: resumable upload (session, chunks, status query), videos.list and the
channel's uploads (channels.list, playlistItems.list).

Only byte COUNTS are kept, never the bytes, so a benchmark can upload gigabytes. A session lives
`yt_session_ttl_seconds` (about a week, as Google's resumable sessions do) by the sandbox clock;
after that it answers 404 like an unknown one, whether or not its upload completed.
"""

from __future__ import annotations

import json
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.graph import TARGET_HEADER
from ...sandbox.pipeline import GOOGLE_API, guarded
from ...sandbox.state import SandboxState, UploadSession
from .sandbox_uploads import channels_list, playlist_items
from .sandbox_videos import bearer_account, quota_exceeded, video_resource, videos_list

UPLOAD_PATH = "/upload/youtube/v3/videos"
CHUNK_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
QUERY_RANGE = re.compile(r"^bytes \*/(\d+|\*)$")


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _metadata_error(meta: dict) -> Response | None:
    snippet = meta.get("snippet") or {}
    title, description = snippet.get("title"), snippet.get("description", "")
    if not isinstance(title, str) or not 1 <= len(title) <= 100 or re.search("[<>]", title):
        return errors.google_error(
            400,
            "invalidTitle",
            "The request metadata specifies an invalid or empty video title.",
            domain="youtube.video",
        )
    if (
        not isinstance(description, str)
        or len(description.encode()) > 5000
        or re.search("[<>]", description)
    ):
        return errors.google_error(
            400,
            "invalidDescription",
            "The request metadata specifies an invalid video description.",
            domain="youtube.video",
        )
    return None


async def _create_session(request: Request) -> Response:
    state = _state(request)
    if request.query_params.get("uploadType") != "resumable":
        return errors.google_error(400, "badRequest", "Only uploadType=resumable is supported.")
    account = bearer_account(request)
    if account is None:
        return errors.google_auth_error()
    try:
        meta = json.loads(await request.body() or b"{}")
    except ValueError:
        return errors.google_error(400, "parseError", "Parse Error")
    refused = _metadata_error(meta if isinstance(meta, dict) else {})
    if refused:
        return refused
    length = request.headers.get("x-upload-content-length")
    if length is not None and not length.isdigit():
        return errors.google_error(400, "badRequest", "Invalid X-Upload-Content-Length.")
    now = state.now()
    if not state.yt_quota.charge(state.settings.yt_upload_cost, now):
        return quota_exceeded()
    snippet, status = meta["snippet"], meta.get("status") or {}
    session = UploadSession(
        id=secrets.token_urlsafe(24),
        account=account,
        created_at=now,
        title=snippet["title"],
        description=snippet.get("description", ""),
        tags=list(snippet.get("tags") or []),
        category_id=str(snippet.get("categoryId", "22")),
        privacy=status.get("privacyStatus", "private"),
        total=None if length is None else int(length),
        target=request.headers.get(TARGET_HEADER),
    )
    state.add_session(session)
    base = str(request.base_url).rstrip("/")
    location = (
        f"{base}{UPLOAD_PATH}?uploadType=resumable&part=snippet,status&upload_id={session.id}"
    )
    return Response(
        b"", status_code=200, headers={"Location": location, "X-GUploader-UploadID": session.id}
    )


def _progress(session: UploadSession) -> Response:
    headers = {"Range": f"bytes=0-{session.received - 1}"} if session.received else {}
    return Response(b"", status_code=308, headers=headers)


async def _upload(request: Request) -> Response:
    state = _state(request)
    session = state.sessions.get(request.query_params.get("upload_id", ""))
    if session is None or state.now() - session.created_at >= state.settings.yt_session_ttl_seconds:
        return errors.google_error(404, "notFound", "The upload session was not found.")
    header = request.headers.get("content-range", "").strip()
    if QUERY_RANGE.match(header):
        if session.video_id:  # already complete: answer the resource, never a second video
            return errors.json_response(video_resource(state, session), 200)
        return _progress(session)
    received = 0
    async for chunk in request.stream():  # count, never keep
        received += len(chunk)
    if session.video_id:
        return errors.json_response(video_resource(state, session), 200)
    if header:
        m = CHUNK_RANGE.match(header)
        if not m:
            return errors.google_error(400, "badRequest", "Failed to parse Content-Range header.")
        start, end = int(m[1]), int(m[2])
        total = None if m[3] == "*" else int(m[3])
    else:
        start, end, total = 0, received - 1, received
    total = total if total is not None else session.total
    if end - start + 1 != received or (total is not None and end >= total):
        return errors.google_error(400, "badRequest", "Content-Range does not match the body.")
    if session.total is not None and total is not None and total != session.total:
        return errors.google_error(400, "badRequest", "The upload length changed mid-session.")
    if start > session.received:
        return _progress(session)  # a gap: tell the client where to resume, commit nothing
    last = total is not None and end + 1 == total
    if not last and received % state.settings.yt_chunk_multiple:
        return errors.google_error(
            400,
            "badRequest",
            "Invalid request. The number of bytes uploaded is required to be equal or greater "
            f"than {state.settings.yt_chunk_multiple}, except for the final request (it's "
            "recommended to be the exact multiple of 262144).",
        )
    session.total = total
    session.received = max(session.received, end + 1)
    if not last:
        return _progress(session)
    entry = state.ledger.new_entry(
        platform="youtube",
        account=session.account,
        external_id=secrets.token_urlsafe(8)[:11],
        endpoint="yt_upload",
        ts=state.now(),
        text=f"{session.title}\n{session.description}",
        source_id=session.id,
        target=request.headers.get(TARGET_HEADER) or session.target,
    )
    state.record(entry)
    return errors.json_response(video_resource(state, session), 201)


async def upload_route(request: Request) -> Response:
    if request.method == "POST":
        return await guarded(request, "yt_session", GOOGLE_API, _create_session)
    return await guarded(request, "yt_upload", GOOGLE_API, _upload)


async def videos_route(request: Request) -> Response:
    return await guarded(request, "yt_videos_list", GOOGLE_API, videos_list)


async def channels_route(request: Request) -> Response:
    return await guarded(request, "yt_channels", GOOGLE_API, channels_list)


async def playlist_items_route(request: Request) -> Response:
    return await guarded(request, "yt_playlist_items", GOOGLE_API, playlist_items)


ROUTES = [
    Route(UPLOAD_PATH, upload_route, methods=["POST", "PUT"]),
    Route("/youtube/v3/videos", videos_route, methods=["GET"]),
    Route("/youtube/v3/channels", channels_route, methods=["GET"]),
    Route("/youtube/v3/playlistItems", playlist_items_route, methods=["GET"]),
]
