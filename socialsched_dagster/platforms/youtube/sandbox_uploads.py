"""A channel's uploads: `channels.list?mine=true` and `playlistItems.list` of its uploads playlist.

YouTube keeps every uploaded video in the channel's uploads playlist (`contentDetails.
relatedPlaylists.uploads` of the channel, "UU" + the channel id after "UC"), newest first; the
owner's token also lists private videos there. Each list costs one quota unit.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.clock import rfc3339
from ...sandbox.state import SandboxState
from .sandbox_videos import bearer_account, quota_exceeded

MAX_RESULTS = 50


def uploads_playlist(channel: str) -> str:
    return "UU" + (channel[2:] if channel.startswith("UC") else channel)


def _etag(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:27]


def _parts(request: Request) -> tuple[str, ...] | Response:
    parts = tuple(p.strip() for p in request.query_params.get("part", "").split(",") if p.strip())
    if not parts:
        return errors.google_error(
            400, "required", "Required parameter: part", extra={"locationType": "parameter"}
        )
    return parts


def _page_size(request: Request) -> int | Response:
    raw = request.query_params.get("maxResults", "5")
    if not raw.isdigit() or int(raw) > MAX_RESULTS:
        return errors.google_error(
            400, "invalidParameter", f"Invalid value '{raw}'. Values must be within the range: "
            f"[0, {MAX_RESULTS}]", extra={"locationType": "parameter", "location": "maxResults"},
        )  # fmt: skip
    return int(raw)


def _token(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _position(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.removeprefix("pos:")) if text.startswith("pos:") else None
    except ValueError:
        return None


async def channels_list(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    account = bearer_account(request)
    if account is None:
        return errors.google_auth_error()
    parts = _parts(request)
    if isinstance(parts, Response):
        return parts
    mine = request.query_params.get("mine", "").lower() == "true"
    ids = [i for i in request.query_params.get("id", "").split(",") if i]
    if not mine and not ids:
        return errors.google_error(
            400, "missingRequiredParameter", "No filter selected. Expected one of: mine, id"
        )
    if not state.yt_quota.charge(state.settings.yt_list_cost, state.now()):
        return quota_exceeded()
    # The sandbox knows a channel only by its tokens: every token's account is a channel.
    items = [_channel(account, parts)] if mine or account in ids else []
    body = {
        "kind": "youtube#channelListResponse",
        "etag": _etag("channels", account, len(items)),
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
        "items": items,
    }
    return errors.json_response(body)


def _channel(channel: str, parts: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "youtube#channel", "etag": _etag(channel), "id": channel}
    if "snippet" in parts:
        out["snippet"] = {
            "title": f"Sandbox channel {channel}",
            "description": "",
            # The channel's @handle: letters and digits, from its id.
            "customUrl": f"@sandbox{hashlib.sha256(channel.encode()).hexdigest()[:8]}",
        }
    if "contentDetails" in parts:
        suffix = channel[2:] if channel.startswith("UC") else channel
        out["contentDetails"] = {
            "relatedPlaylists": {"likes": f"LL{suffix}", "uploads": uploads_playlist(channel)}
        }
    return out


async def playlist_items(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    account = bearer_account(request)
    if account is None:
        return errors.google_auth_error()
    parts = _parts(request)
    if isinstance(parts, Response):
        return parts
    size = _page_size(request)
    if isinstance(size, Response):
        return size
    playlist = request.query_params.get("playlistId")
    if not playlist:
        return errors.google_error(
            400, "missingRequiredParameter", "No filter selected. Expected one of: playlistId, id"
        )
    if playlist != uploads_playlist(account):
        return errors.google_error(
            404,
            "playlistNotFound",
            "The playlist identified with the request's <code>playlistId</code> parameter "
            "cannot be found.",
            domain="youtube.playlistItem",
            extra={"location": "playlistId", "locationType": "parameter"},
        )
    if not state.yt_quota.charge(state.settings.yt_list_cost, state.now()):
        return quota_exceeded()
    uploads = [
        e for e in state.ledger.items("youtube", account) if e["external_id"] in state.videos
    ]
    newest_first = list(reversed(uploads))
    start = 0
    if request.query_params.get("pageToken"):
        start = _position(request.query_params["pageToken"])
        if start is None:
            return errors.google_error(
                400, "invalidPageToken", "The request specifies an invalid page token."
            )
    chunk = newest_first[start : start + size]
    body: dict[str, Any] = {
        "kind": "youtube#playlistItemListResponse",
        "etag": _etag(playlist, start, len(uploads)),
    }
    if start + size < len(newest_first):
        body["nextPageToken"] = _token(start + size)
    if start > 0:
        body["prevPageToken"] = _token(max(0, start - size))
    body["items"] = [_item(state, e, playlist, start + i, parts) for i, e in enumerate(chunk)]
    body["pageInfo"] = {"totalResults": len(uploads), "resultsPerPage": size}
    return errors.json_response(body)


def _item(
    state: SandboxState, entry: dict[str, Any], playlist: str, position: int, parts: tuple[str, ...]
) -> dict[str, Any]:
    video_id, session = entry["external_id"], state.videos[entry["external_id"]]
    out: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": _etag(playlist, video_id),
        "id": base64.urlsafe_b64encode(f"{playlist}.{video_id}".encode()).decode().rstrip("="),
    }
    if "snippet" in parts:
        out["snippet"] = {
            "publishedAt": rfc3339(entry["ts"]),  # when it was added: the upload's completion
            "channelId": session.account,
            "title": session.title,
            "description": session.description,
            "thumbnails": {
                "default": {
                    "url": f"https://i.ytimg.com/vi/{video_id}/default.jpg",
                    "width": 120,
                    "height": 90,
                }
            },
            "channelTitle": f"Sandbox channel {session.account}",
            "playlistId": playlist,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": video_id},
            "videoOwnerChannelTitle": f"Sandbox channel {session.account}",
            "videoOwnerChannelId": session.account,
        }
    if "contentDetails" in parts:
        out["contentDetails"] = {"videoId": video_id, "videoPublishedAt": rfc3339(entry["ts"])}
    if "status" in parts:
        out["status"] = {"privacyStatus": session.privacy}
    return out
