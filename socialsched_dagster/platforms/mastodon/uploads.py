"""The media of a post on the instance: uploaded once in `prepare` (POST /api/v2/media, their
ids stored before the status is posted), then waited for in `publish` until the instance has
processed them (GET /api/v1/media/:id: 206 while processing, 200 once done).

The wait is in `publish`, not `prepare`, so that the ids are already stored when it runs out:
a media still processing is a retry (MEDIA_PROCESSING) that polls the SAME uploads next time.
"""

from __future__ import annotations

import time

from ...domain.content import Media
from ...domain.errors import ErrorKind, PublishError
from ..base import PublishJob
from ..config import PlatformConfig
from ..media_download import TooLarge, open_media
from .api import MastodonApi, server_of
from .handle import Prepared, UploadedMedia
from .instance import DEFAULT_MAX_BYTES, InstanceLimits
from .settings import MastodonSettings


class MediaUploads:
    def __init__(self, config: PlatformConfig, settings: MastodonSettings, api: MastodonApi):
        self.config, self.settings, self.api = config, settings, api

    def upload(self, job: PublishJob, media: Media, limits: InstanceLimits | None) -> UploadedMedia:
        kind = media.kind.value
        max_bytes = DEFAULT_MAX_BYTES[kind]
        if limits is not None:
            max_bytes = limits.image_size_limit if kind == "image" else limits.video_size_limit
        file = open_media(self.config, media, max_bytes, _too_large(kind, max_bytes))
        try:
            accepted = limits.supported_mime_types if limits else ()
            if accepted and file.content_type not in accepted:
                raise PublishError(
                    ErrorKind.VALIDATION,
                    f"{server_of(job)} does not accept {file.content_type} files",
                    "media_type",
                )
            # No alt text: the content model has none, and an empty description is no help.
            answer = self.api.request(
                job,
                "POST",
                "/api/v2/media",
                "upload media",
                effectful=True,
                own_bucket=True,
                files={"file": (file.name, file.file, file.content_type)},
            )
        finally:
            file.close()
        body = answer.object("id")
        # 200 with a URL: processed already (images, usually); 202 with url null: not yet.
        return UploadedMedia(str(body["id"]), answer.status == 200 and bool(body.get("url")))

    def wait_processed(self, job: PublishJob, prepared: Prepared) -> Prepared:
        pending = [m for m in prepared.media if not m.processed]
        deadline = time.monotonic() + self.settings.media_wait_s
        while pending:
            pending = [m for m in pending if not self._processed(job, m)]
            if not pending:
                break
            if time.monotonic() + self.settings.media_poll_s > deadline:
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"{len(pending)} media still processing on the instance after "
                    f"{self.settings.media_wait_s:g} s; the same uploads are tried again later",
                    "media_processing",
                )
            time.sleep(self.settings.media_poll_s)
        return prepared.all_processed()

    def _processed(self, job: PublishJob, media: UploadedMedia) -> bool:
        try:
            answer = self.api.request(job, "GET", f"/api/v1/media/{media.id}", "media status")
        except PublishError as exc:
            if exc.http_status == 404:
                # Unattached media are removed after a day (and a GET no longer finds one once
                # it is attached; publish runs only when no status of ours holds it).
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"uploaded media {media.id} is gone from the instance; uploading again",
                    "media_gone",
                    http_status=404,
                    replace_container=True,
                ) from exc
            if exc.http_status == 422:
                raise PublishError(
                    ErrorKind.VALIDATION,
                    f"the instance could not process the media: {exc.message}",
                    "media_failed",
                    http_status=422,
                ) from exc
            raise
        answer.object("id")
        return answer.status == 200  # 206 Partial Content: still processing


def _too_large(kind: str, max_bytes: int) -> TooLarge:
    def error(shown: str) -> PublishError:
        return PublishError(
            ErrorKind.VALIDATION,
            f"{kind} {shown} is larger than the instance accepts "
            f"({max_bytes // (1024 * 1024)} MiB)",
            "media_too_large",
        )

    return error
