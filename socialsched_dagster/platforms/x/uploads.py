"""A post's media on X: uploaded once in `prepare` through the v2 chunked upload
(POST /2/media/upload/initialize, /{id}/append per chunk, /{id}/finalize), their ids stored
before the post; then, in `publish`, the videos and GIFs X is still processing are waited for
(GET /2/media/upload?command=STATUS&media_id=..), as often as `check_after_secs` says.

The wait is in `publish`, not `prepare`, so that the ids are already stored when it runs out:
media still processing is a retry (MEDIA_PROCESSING) that reads the SAME uploads next time.
"""

from __future__ import annotations

import time
from typing import Any

from ...domain.content import Media, MediaKind
from ...domain.errors import ErrorKind, PublishError
from ..base import PublishJob
from ..config import PlatformConfig
from ..media_download import MediaFile, open_media
from .api import XApi
from .handle import Prepared, UploadedMedia
from .settings import XSettings

MB = 1024 * 1024
# X's limits per media category (docs.x.com, media best practices).
MAX_BYTES = {"tweet_image": 5 * MB, "tweet_gif": 15 * MB, "tweet_video": 512 * MB}
ACCEPTED = {
    "tweet_image": ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff"),
    "tweet_gif": ("image/gif",),
    "tweet_video": ("video/mp4", "video/quicktime", "video/webm"),
}
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
    (b"ftypqt", 4, "video/quicktime"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
)
WAITING = ("pending", "in_progress")


def _largest(media: Media) -> int:
    """What may be fetched before the file's type is known: the largest X takes of its kind."""
    if media.kind is MediaKind.VIDEO:
        return MAX_BYTES["tweet_video"]
    return MAX_BYTES["tweet_gif"]


class MediaUploads:
    def __init__(self, config: PlatformConfig, settings: XSettings, api: XApi) -> None:
        self.config, self.settings, self.api = config, settings, api

    def upload(self, job: PublishJob, media: Media) -> UploadedMedia:
        file = _open(self.config, media)
        try:
            media_type, use = _media_type(file, media)
            started = self._post(
                job, "/2/media/upload/initialize", "media initialize",
                json={"media_type": media_type, "total_bytes": file.size, "media_category": use},
            ).data("id")  # fmt: skip
            media_id = str(started["id"])
            self._append_all(job, media_id, file)
        finally:
            file.close()
        done = self._post(job, f"/2/media/upload/{media_id}/finalize", "media finalize")
        data = done.data("id")
        key = str(data.get("media_key") or started.get("media_key") or "")
        if not key:
            raise PublishError(ErrorKind.UNKNOWN, "x media finalize: the answer has no media_key")
        state = _state(data)
        if state == "failed":
            raise _processing_failed(data)
        return UploadedMedia(media_id, key, pending=state in WAITING)

    def _append_all(self, job: PublishJob, media_id: str, file: MediaFile) -> None:
        segment = 0
        while chunk := file.file.read(self.settings.chunk_bytes):
            self._post(
                job, f"/2/media/upload/{media_id}/append", "media append",
                data={"segment_index": str(segment)},
                files={"media": ("blob", chunk, "application/octet-stream")},
            )  # fmt: skip
            segment += 1

    def _post(self, job: PublishJob, path: str, endpoint: str, **kw: Any):
        # An upload is effectful (it makes a media), never public: a lost answer only leaves
        # an unused upload that X deletes when it expires.
        return self.api.request(job, "POST", path, endpoint, effectful=True, **kw)

    # -- waiting for processing ----------------------------------------------------------------

    def wait_processed(self, job: PublishJob, prepared: Prepared) -> Prepared:
        pending = [m for m in prepared.media if m.pending]
        deadline = time.monotonic() + self.settings.media_wait_s
        while pending:
            waits = [self._check_after(job, m) for m in pending]
            pending = [m for m, wait in zip(pending, waits, strict=True) if wait is not None]
            if not pending:
                break
            pause = max(self.settings.media_poll_s, min(w for w in waits if w is not None))
            if time.monotonic() + pause > deadline:
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"{len(pending)} media still processing on X after "
                    f"{self.settings.media_wait_s:g} s; the same uploads are tried again later",
                    "media_processing",
                )
            time.sleep(pause)
        return prepared.all_processed()

    def _check_after(self, job: PublishJob, media: UploadedMedia) -> float | None:
        """None once X has processed the media, else the seconds X asks us to wait."""
        try:
            answer = self.api.request(
                job, "GET", "/2/media/upload", "media status",
                params={"command": "STATUS", "media_id": media.id},
            )  # fmt: skip
        except PublishError as exc:
            if exc.http_status in (400, 404):  # expired, or never finished: upload again
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"uploaded media {media.id} is unknown to X ({exc.message}); uploading again",
                    "media_gone",
                    http_status=exc.http_status,
                    replace_container=True,
                ) from exc
            raise
        data = answer.data()
        state = _state(data)
        if state == "failed":
            raise _processing_failed(data)
        if state in WAITING:
            info = data.get("processing_info") or {}
            after = info.get("check_after_secs")
            return float(after) if isinstance(after, (int, float)) and after > 0 else 1.0
        return None  # succeeded, or nothing left to process


def _state(data: dict[str, Any]) -> str | None:
    info = data.get("processing_info")
    return str(info.get("state")) if isinstance(info, dict) and info.get("state") else None


def _processing_failed(data: dict[str, Any]) -> PublishError:
    """X will not take the file as it is: permanent, in X's own words."""
    error = (data.get("processing_info") or {}).get("error") or {}
    words = error.get("message") or error.get("name") or "the media could not be processed"
    return PublishError(
        ErrorKind.VALIDATION, f"X could not process the media: {words}", "media_failed"
    )


def _open(config: PlatformConfig, media: Media) -> MediaFile:
    limit = _largest(media)
    return open_media(config, media, limit, lambda _shown: _too_large(media.kind.value, limit))


def _too_large(what: str, limit: int) -> PublishError:
    return PublishError(
        ErrorKind.VALIDATION,
        f"the {what} is larger than X accepts ({limit // MB} MB)",
        "media_too_large",
    )


def _media_type(file: MediaFile, media: Media) -> tuple[str, str]:
    """The file's type as X must be told it (from its first bytes, whatever the host said),
    and X's media category for it: an animated GIF is neither an image nor a video to X."""
    head = file.file.read(16)
    file.file.seek(0)
    sniffed = next((t for magic, at, t in _MAGIC if head[at : at + len(magic)] == magic), None)
    declared = file.content_type if file.content_type != "application/octet-stream" else None
    found = sniffed or declared or ""
    use = next((u for u, types in ACCEPTED.items() if found in types), None)
    if use is None or (use == "tweet_video") != (media.kind is MediaKind.VIDEO):
        wanted = "tweet_video" if media.kind is MediaKind.VIDEO else "tweet_image"
        accepted = ", ".join(t.split("/")[1].upper() for t in ACCEPTED[wanted])
        raise PublishError(
            ErrorKind.VALIDATION,
            f"{media.kind.value} {file.name} is {found or 'of a type nobody can tell'}; "
            f"X takes {accepted}",
            "media_type",
        )
    if file.size > MAX_BYTES[use]:
        raise _too_large("GIF" if use == "tweet_gif" else media.kind.value, MAX_BYTES[use])
    return found, use
