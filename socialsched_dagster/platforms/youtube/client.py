"""YouTube: a resumable upload session (prepare), chunked upload that always asks the session
where it stands first (publish), and reconciliation by the same question.

The session URL is what makes exactly-once possible: a completed session answers with the video
it created, so asking it before sending anything means a retry never uploads a second video.
A session that is gone (404 once expired, about a week after it was opened; 410 when it died)
can no longer say whether its upload completed, so the channel's uploads are searched before it
is replaced (uploads.py): found, it is published; not found, a new session is opened.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from ...domain.content import MediaKind
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciled, Reconciliation
from ..config import PlatformConfig
from ..google_errors import google_error
from ..http import TARGET_HEADER, Call, HttpOwner, json_object, malformed, send, target_tag
from ..media_fetcher import media_fetcher
from .uploads import ChannelUploads, search_since, session_handle, session_url
from .video_source import VideoSource, open_video

log = logging.getLogger(__name__)

UPLOAD_PATH = "/upload/youtube/v3/videos"
RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")
DONE, INCOMPLETE, GONE = (200, 201), 308, (404, 410)
MAX_STALLS = 3  # chunks the server acknowledged without moving forward


class _SessionGone(Exception):
    """The session answered 404/410. Never leaves this module: whoever sees it must first
    look for the video on the channel (a PublishError could be retried blind)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"upload session gone: HTTP {status}")
        self.status = status


class YouTubeClient(HttpOwner):
    platform = Platform.YOUTUBE

    def __init__(
        self, config: PlatformConfig, guard: CallGuard, http: httpx.Client | None = None
    ) -> None:
        self.guard = guard
        super().__init__(config, http)
        self.uploads = ChannelUploads(config, guard, self.http)

    def prepare(self, job: PublishJob) -> str:
        """Open a resumable upload session and return its handle (URL and opening time)."""
        if job.container_id:  # an earlier attempt opened one: resume it, never a second
            return job.container_id
        video = self._open_video(job)
        try:
            size, content_type = video.size, video.content_type
        finally:
            video.close()
        c = job.content
        metadata = {
            "snippet": {"title": c.title, "description": c.description, "categoryId": "22"},
            "status": {"privacyStatus": "public"},
        }
        headers = {
            **self._headers(job),
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": content_type,
        }
        url = f"{self.config.youtube_upload_base_url.rstrip('/')}{UPLOAD_PATH}"
        params = {"uploadType": "resumable", "part": "snippet,status"}
        call = self._call(job, "open upload session", effectful=True)
        try:
            response = self._exchange(
                job, call, "POST", url, (200, 201), params=params, json=metadata, headers=headers
            )
        except PublishError as exc:
            if exc.kind is ErrorKind.UNKNOWN_OUTCOME and (exc.http_status or 0) >= 500:
                # Opening a session makes no video: the worst a retry can leave behind is an
                # unused session that expires, so a 5xx here is a plain outage.
                raise dataclasses.replace(exc, kind=ErrorKind.PLATFORM_UNAVAILABLE) from exc
            raise
        location = response.headers.get("location")
        if not location:
            raise malformed(call, response, "no Location header")
        return session_handle(location, response)

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(ErrorKind.UNKNOWN, "youtube publish needs a session from prepare")
        video = self._open_video(job)
        try:
            return self._upload(job, container_id, video)
        except _SessionGone as gone:
            return self._after_gone(job, container_id, gone.status)
        finally:
            video.close()

    def _after_gone(self, job: PublishJob, handle: str, status: int) -> str:
        """The session is gone: the video if an earlier attempt completed it, else a request
        for a new session (the publisher clears the stored one)."""
        since = search_since(handle, self.config.reconcile_lookback_s)
        video_id = self.uploads.find(job, since)
        if video_id is not None:
            log.info("youtube upload session gone, video %s found on the channel", video_id)
            return video_id
        raise PublishError(
            ErrorKind.MEDIA_PROCESSING,
            "upload session expired: a new session is needed",
            code="upload_session_expired",
            http_status=status,
            replace_container=True,
        )

    def _upload(self, job: PublishJob, handle: str, video: VideoSource) -> str:
        session = session_url(handle)
        state = self.session_state(job, session, video.size)
        stalls = 0
        while not isinstance(state, str):
            offset = state
            end = min(offset + self.config.youtube_chunk_size, video.size) - 1
            headers = {
                **self._headers(job, session),
                "Content-Range": f"bytes {offset}-{end}/{video.size}",
                "Content-Type": video.content_type,
            }
            # The chunk that completes the upload is the one that makes the video exist.
            last = end == video.size - 1
            call = self._call(job, "upload chunk", effectful=True, publishes=last)
            data = video.read(offset, end - offset + 1)
            response = self._exchange(
                job, call, "PUT", session, (*DONE, INCOMPLETE, *GONE), content=data, headers=headers
            )
            state = self._outcome(call, response)
            stalls = stalls + 1 if state == offset else 0
            if stalls >= MAX_STALLS:
                raise PublishError(
                    ErrorKind.PLATFORM_UNAVAILABLE, f"upload makes no progress at byte {offset}"
                )
        return state

    def session_state(self, job: PublishJob, session: str, size: int | None) -> str | int:
        """The video id if the upload completed, else the offset to resume from; raises
        _SessionGone on 404/410."""
        total = "*" if size is None else str(size)
        headers = {**self._headers(job, session), "Content-Range": f"bytes */{total}"}
        call = self._call(job, "upload status", effectful=False)
        response = self._exchange(
            job, call, "PUT", session, (*DONE, INCOMPLETE, *GONE), headers=headers
        )
        return self._outcome(call, response)

    def _outcome(self, call: Call, response: httpx.Response) -> str | int:
        if response.status_code in GONE:
            raise _SessionGone(response.status_code)
        if response.status_code in DONE:
            return str(json_object(call, response, "id")["id"])
        header = response.headers.get("range")
        if not header:
            return 0  # nothing stored yet: start at the beginning
        match = RANGE.match(header.strip())
        if not match:
            raise malformed(call, response, "unreadable Range header")
        return int(match[2]) + 1

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        if not container_id:
            return Reconciliation(Reconciled.NOT_PUBLISHED, detail="no upload session was opened")
        try:
            state = self.session_state(job, session_url(container_id), None)
        except _SessionGone as gone:
            return self._reconcile_gone(job, container_id, gone.status)
        except PublishError as exc:
            return Reconciliation(Reconciled.UNKNOWN, detail=f"upload status: {exc}")
        if isinstance(state, str):
            return Reconciliation(Reconciled.PUBLISHED, state, "upload session is complete")
        return Reconciliation(
            Reconciled.NOT_PUBLISHED, detail=f"upload incomplete at byte {state}: resume is safe"
        )

    def _reconcile_gone(self, job: PublishJob, handle: str, status: int) -> Reconciliation:
        since = search_since(handle, self.config.reconcile_lookback_s)
        try:
            video_id = self.uploads.find(job, since)
        except PublishError as exc:
            return Reconciliation(
                Reconciled.UNKNOWN,
                detail=f"upload session gone (HTTP {status}) and the channel's uploads "
                f"cannot tell: {exc}",
            )
        if video_id is not None:
            return Reconciliation(
                Reconciled.PUBLISHED, video_id, "upload session gone; the video is on the channel"
            )
        return Reconciliation(
            Reconciled.NOT_PUBLISHED,
            detail="upload session expired and no such video on the channel since it was "
            "opened: a new session is needed",
            container_usable=False,
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _open_video(self, job: PublishJob) -> VideoSource:
        videos = [m for m in job.content.media if m.kind is MediaKind.VIDEO]
        if len(videos) != 1:
            raise PublishError(ErrorKind.VALIDATION, "YouTube needs exactly one video")
        # Not self.http: the video is on whatever host the post names, so it is fetched by the
        # media fetcher, which connects to public addresses only.
        return open_video(self.config, media_fetcher(self.config), videos[0].url)

    def _call(
        self, job: PublishJob, endpoint: str, effectful: bool, publishes: bool = False
    ) -> Call:
        return Call(
            f"youtube {endpoint}", effectful, (job.access_token,),
            publishes=publishes, fence=job.fence,
        )  # fmt: skip

    def _headers(self, job: PublishJob, session: str | None = None) -> dict[str, str]:
        headers = {TARGET_HEADER: target_tag(job)}
        # The session URL itself authorises the upload; the bearer token goes only to the
        # upload host, never to whatever origin a stored session URL names.
        if session is None or _origin(session) == _origin(self.config.youtube_upload_base_url):
            headers["Authorization"] = f"Bearer {job.access_token}"
        return headers

    def _exchange(
        self,
        job: PublishJob,
        call: Call,
        method: str,
        url: str,
        accept: tuple[int, ...],
        **kw: Any,
    ) -> httpx.Response:
        """One request through the guard; any status outside `accept` is a Google error."""

        def once() -> httpx.Response:
            response = send(self.http, call, method, url, **kw)
            if response.status_code not in accept:
                raise google_error(call, response)
            return response

        return self.guard.call(self.platform, job.account_external_id, once)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
