"""A post's images on LinkedIn (the Images API): uploaded in `prepare`, waited for in `publish`.

1. `POST /rest/images?action=initializeUpload` with the author as `owner` answers
   `{"value": {"uploadUrl", "uploadUrlExpiresAt", "image": "urn:li:image:.."}}`;
2. the bytes are PUT to `uploadUrl` (201);
3. `GET /rest/images/{urn}` says WAITING_UPLOAD, PROCESSING, AVAILABLE or PROCESSING_FAILED.

LinkedIn takes files, not URLs: the bytes are downloaded first (media_download.py: through the
media fetcher, refused past `max_image_bytes`; a stand-in PNG for stand-in hosts).

The wait is in `publish`, within the attempt and bounded (container_poll_*): an image still
processing after it is a retry with the same uploads. Reading an image needs the same read
permission as reading posts; a token without it (a member without r_member_social) cannot ask,
so the post is sent and LinkedIn itself refuses an image that is not ready.
"""

from __future__ import annotations

import time

from ...domain.content import Media
from ...domain.errors import ErrorKind, PublishError
from .. import media_download
from ..base import PublishJob
from ..config import PlatformConfig
from ..http import Call, json_object
from .api import LinkedInApi, base_url, require_upload_url
from .settings import LinkedInSettings
from .urns import IMAGE_PREFIX, quoted


class Images:
    def __init__(self, config: PlatformConfig, settings: LinkedInSettings, api: LinkedInApi):
        self.config, self.settings, self.api = config, settings, api

    def upload(self, job: PublishJob, media: Media) -> str:
        data, content_type = media_download.image_bytes(
            self.config, media.url, max_bytes=self.settings.max_image_bytes
        )
        response = self.api.request(
            job, "POST", "/rest/images", "images initializeUpload",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": job.account_external_id}},
            effectful=True,
        )  # fmt: skip
        call = Call("linkedin images initializeUpload", True, (job.access_token,))
        value = json_object(call, response, "value")["value"]
        image = value.get("image") if isinstance(value, dict) else None
        if not isinstance(image, str) or not image.startswith(IMAGE_PREFIX):
            raise PublishError(
                ErrorKind.UNKNOWN,
                f"linkedin images initializeUpload: malformed response {str(value)[:160]!r}",
            )
        url = require_upload_url(value.get("uploadUrl"), base_url(self.config))
        self.api.upload(job, url, data, content_type)
        return image

    def wait_available(self, job: PublishJob, images: tuple[str, ...]) -> None:
        interval = self.config.container_poll_interval_s
        deadline = time.monotonic() + self.config.container_poll_timeout_s
        pending = list(images)
        while pending:
            statuses = {urn: self._status(job, urn) for urn in pending}
            if None in statuses.values():
                return  # not ours to read: LinkedIn judges the images when the post is sent
            pending = [urn for urn, status in statuses.items() if status != "AVAILABLE"]
            if not pending:
                return
            if time.monotonic() + interval > deadline:
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"{len(pending)} image(s) still processing on LinkedIn after "
                    f"{self.config.container_poll_timeout_s:g} s; the same uploads are tried "
                    "again later",
                    "PROCESSING",
                )
            time.sleep(interval)

    def _status(self, job: PublishJob, urn: str) -> str | None:
        """The image's status; None when this token may not read it."""
        try:
            response = self.api.request(job, "GET", f"/rest/images/{quoted(urn)}", "images get")
        except PublishError as exc:
            if exc.http_status == 403:
                return None
            if exc.http_status == 404:
                raise _upload_again(urn, "is gone from LinkedIn") from exc
            raise
        call = Call("linkedin images get", False, (job.access_token,))
        status = str(json_object(call, response, "status")["status"]).upper()
        if status == "PROCESSING_FAILED":
            raise PublishError(
                ErrorKind.VALIDATION,
                f"LinkedIn could not process image {urn} (PROCESSING_FAILED): use a JPG, PNG or "
                "GIF of fewer than 36,152,320 pixels",
                status,
            )
        if status == "WAITING_UPLOAD":
            raise _upload_again(urn, "never received its bytes (WAITING_UPLOAD)")
        return status


def _upload_again(urn: str, what: str) -> PublishError:
    return PublishError(
        ErrorKind.MEDIA_PROCESSING,
        f"image {urn} {what}; uploading the images again",
        "image_gone",
        replace_container=True,
    )
