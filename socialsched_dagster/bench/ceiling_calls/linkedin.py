"""LinkedIn: per image `initializeUpload`, the bytes PUT to the upload URL it answers, and the
image's status until AVAILABLE (asked as the client asks, every poll interval); then
`POST /rest/posts` with the client's own body. Every /rest call carries the version header the
client sends (`Linkedin-Version`, SOCIALSCHED_LINKEDIN_VERSION) and the Rest.li protocol header.
"""

from __future__ import annotations

import asyncio
import time
from functools import cache

from ...domain.content import MediaKind
from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.http import TARGET_HEADER
from ...platforms.linkedin.api import base_url
from ...platforms.linkedin.posts import post_body
from ...platforms.linkedin.settings import LinkedInSettings
from ...platforms.linkedin.urns import quoted
from ...platforms.stand_in_media import stand_in_png
from . import speaks
from .caller import Caller, Failed


@cache
def _version() -> str:
    return LinkedInSettings.from_env().version


@speaks(Platform.LINKEDIN)
async def linkedin(caller: Caller, job: PublishJob) -> None:
    api, author = base_url(caller.config), job.account_external_id
    token = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: str(job.target_id)}
    headers = {**token, "Linkedin-Version": _version(), "X-Restli-Protocol-Version": "2.0.0"}
    images = []
    for media in job.content.media:
        if media.kind is MediaKind.VIDEO:
            raise Failed("linkedin: videos are not published to LinkedIn")
        body = await caller.json(
            "linkedin image init", "POST", f"{api}/rest/images", "value",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": author}}, headers=headers,
        )  # fmt: skip
        value = body["value"]
        if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
            raise Failed("linkedin image init: no uploadUrl or image")
        # The upload URL is the sandbox's, the API's own host: the client sends its token.
        await caller.expect(
            "linkedin image upload", (200, 201), "PUT", value["uploadUrl"],
            content=stand_in_png(media.url), headers={**token, "Content-Type": "image/png"},
        )  # fmt: skip
        images.append(str(value["image"]))
    for urn in images:
        await _until_available(caller, f"{api}/rest/images/{quoted(urn)}", headers)
    response = await caller.expect(
        "linkedin post", (201,), "POST", f"{api}/rest/posts",
        json=post_body(author, job.content, tuple(images)), headers=headers,
    )  # fmt: skip
    if not response.headers.get("x-restli-id"):
        raise Failed("linkedin post: no x-restli-id")


async def _until_available(caller: Caller, url: str, headers: dict[str, str]) -> None:
    config = caller.config
    deadline = time.monotonic() + config.container_poll_timeout_s
    while True:
        body = await caller.json("linkedin image status", "GET", url, "status", headers=headers)
        status = str(body["status"]).upper()
        if status == "AVAILABLE":
            return
        if status != "PROCESSING" or time.monotonic() > deadline:
            raise Failed(f"linkedin image status: {status}")
        await asyncio.sleep(config.container_poll_interval_s)
