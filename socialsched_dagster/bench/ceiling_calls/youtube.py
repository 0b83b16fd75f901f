"""YouTube: the resumable upload session, the session's status (the client asks before sending
any bytes), then the video in chunks of the client's chunk size.

The bytes are the run's one buffer of `video_size` (the sandbox counts bytes and keeps none):
generating them is client work, not a platform call.
"""

from __future__ import annotations

from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.http import TARGET_HEADER, target_tag
from ...platforms.youtube.client import UPLOAD_PATH
from ...platforms.youtube.video_source import content_type_of
from . import speaks
from .caller import Caller, Failed


@speaks(Platform.YOUTUBE)
async def youtube(caller: Caller, job: PublishJob) -> None:
    c, video = job.content, caller.video
    if len(c.media) != 1:
        raise Failed("youtube: a post is one video")
    size, content_type = len(video), content_type_of(c.media[0].url)
    headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}
    metadata = {
        "snippet": {"title": c.title, "description": c.description, "categoryId": "22"},
        "status": {"privacyStatus": "public"},
    }
    opened = await caller.expect(
        "youtube session", (200, 201), "POST",
        f"{caller.config.youtube_upload_base_url.rstrip('/')}{UPLOAD_PATH}",
        params={"uploadType": "resumable", "part": "snippet,status"}, json=metadata,
        headers={**headers, "X-Upload-Content-Length": str(size),
                 "X-Upload-Content-Type": content_type},
    )  # fmt: skip
    session = opened.headers.get("location")
    if not session:
        raise Failed("youtube session: no Location")
    status = {**headers, "Content-Range": f"bytes */{size}"}
    response = await caller.expect("youtube status", (308,), "PUT", session, headers=status)
    offset = _resume_offset(response)
    chunk = caller.config.youtube_chunk_size
    while True:
        end = min(offset + chunk, size) - 1
        part = {
            **headers,
            "Content-Range": f"bytes {offset}-{end}/{size}",
            "Content-Type": content_type,
        }
        response = await caller.expect(
            "youtube upload", (200, 201, 308), "PUT", session,
            content=video[offset : end + 1], headers=part,
        )  # fmt: skip
        if response.status_code != 308:
            if not response.json().get("id"):
                raise Failed("youtube upload: no id")
            return
        resumed = _resume_offset(response)
        if resumed <= offset:
            raise Failed("youtube upload: no progress")
        offset = resumed


def _resume_offset(response) -> int:
    """Where a 308 says to go on: after its Range, or 0 when nothing is stored yet."""
    stored = response.headers.get("range")
    return int(stored.rsplit("-", 1)[1]) + 1 if stored else 0
