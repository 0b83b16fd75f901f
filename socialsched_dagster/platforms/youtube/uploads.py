"""When an upload session can no longer tell: the session handle's age, and the channel's uploads.

A resumable session answers 404 once it has expired (about a week after it was opened, whether
or not its upload completed) and 410 when it died. If an earlier attempt's final chunk may have
gone through, only the channel can still say whether the video exists, so before a gone session
is replaced its uploads are searched: `channels.list?mine=true` names the uploads playlist
(`contentDetails.relatedPlaylists.uploads`), and `playlistItems.list` lists it newest first at one
quota unit a page. A video counts as ours when its title and description are ours and it was
added after the session was opened; of several, the earliest (a later one is a later post).

The session URL is stored with the time it was opened (the platform's `Date` header) as a URL
fragment, which HTTP never sends: the handle alone then bounds the search, with no schema change.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob
from ..config import PlatformConfig
from ..google_errors import google_error
from ..http import TARGET_HEADER, Call, json_object, send, target_tag
from ..timestamps import iso_time, server_now

OPENED = "#opened="
MAX_HANDLE = 255  # post_targets.container_id
PAGE, MAX_PAGES = 50, 10
# Clock error between the platform's Date header and its playlist timestamps, and rounding.
MARGIN_S = 600.0
# Sessions stored without their opening time (older rows): a session lives about a week.
UNDATED_LOOKBACK_S = 8 * 86400.0


def session_handle(location: str, response: httpx.Response) -> str:
    """What the target stores: the session URL, and when the platform opened it."""
    opened = server_now(response.headers)
    handle = f"{location}{OPENED}{int(opened)}"
    return handle if len(handle) <= MAX_HANDLE and "#" not in location else location


def session_url(handle: str) -> str:
    return handle.split(OPENED, 1)[0]


def opened_at(handle: str) -> float | None:
    _, _, stamp = handle.partition(OPENED)
    return float(stamp) if stamp.isdigit() else None


def search_since(handle: str, lookback_s: float) -> float:
    opened = opened_at(handle)
    if opened is None:
        return time.time() - max(lookback_s, UNDATED_LOOKBACK_S)
    return opened - MARGIN_S


class ChannelUploads:
    def __init__(self, config: PlatformConfig, guard: CallGuard, http: httpx.Client) -> None:
        self.config, self.guard, self.http = config, guard, http

    def find(self, job: PublishJob, since: float) -> str | None:
        """The id of our video added at or after `since`, None when the channel has none.
        Raises PublishError when the channel cannot be read, or when too many uploads were
        added since to prove ours is not among them."""
        playlist = self._uploads_playlist(job)
        if playlist is None:
            return None
        params: dict[str, Any] = {"part": "snippet", "playlistId": playlist, "maxResults": PAGE}
        match: str | None = None
        for _ in range(MAX_PAGES):
            body = self._get(job, "playlistItems", "uploads list", params, missing_ok=True)
            if body is None:  # playlistNotFound: a channel that never uploaded has none
                return None
            for item in _items(body):
                snippet = item.get("snippet") if isinstance(item.get("snippet"), dict) else {}
                added = iso_time(snippet.get("publishedAt"))
                if added is not None and added < since:
                    return match  # newest first: everything further is older still
                video = (snippet.get("resourceId") or {}).get("videoId")
                if video and _ours(snippet, job):
                    match = str(video)  # keep going: the earliest one is ours
            token = body.get("nextPageToken")
            if not token:
                return match
            params = {**params, "pageToken": token}
        if match is not None:
            return match
        raise PublishError(
            ErrorKind.UNKNOWN,
            f"more than {PAGE * MAX_PAGES} uploads since the session opened: cannot tell "
            "whether this video is among them",
        )

    def _uploads_playlist(self, job: PublishJob) -> str | None:
        params = {"part": "contentDetails", "mine": "true"}
        body = self._get(job, "channels", "channels.list", params)
        for item in _items(body):
            details = item.get("contentDetails") or {}
            uploads = (details.get("relatedPlaylists") or {}).get("uploads")
            if uploads:
                return str(uploads)
        return None  # no channel behind this token: nothing can have been uploaded

    def _get(
        self, job: PublishJob, path: str, endpoint: str, params: dict, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        url = f"{self.config.youtube_api_base_url.rstrip('/')}/youtube/v3/{path}"
        call = Call(f"youtube {endpoint}", False, (job.access_token,))
        headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}

        def once() -> dict[str, Any] | None:
            response = send(self.http, call, "GET", url, params=params, headers=headers)
            if missing_ok and response.status_code == 404:
                return None
            if response.status_code != 200:
                raise google_error(call, response)
            return json_object(call, response)

        return self.guard.call(Platform.YOUTUBE, job.account_external_id, once)


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _ours(snippet: dict[str, Any], job: PublishJob) -> bool:
    c = job.content
    title, description = snippet.get("title"), snippet.get("description")
    return (
        isinstance(title, str)
        and title.strip() == c.title.strip()
        and str(description or "").strip() == c.description.strip()
    )
