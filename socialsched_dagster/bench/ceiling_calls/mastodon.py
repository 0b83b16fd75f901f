"""Mastodon: each medium uploaded (`POST /api/v2/media`; an image is processed within the
request, a video polled until done), then `POST /api/v1/statuses` with the client's own
Idempotency-Key and form. Left out: verify_credentials and the instance's limits, which the
client asks once per account and once per instance (cached), not per post.
"""

from __future__ import annotations

import asyncio

from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.http import TARGET_HEADER, target_tag
from ...platforms.mastodon.client import idempotency_key
from ...platforms.mastodon.settings import MastodonSettings
from ...platforms.mastodon.text_length import status_text
from . import speaks
from .caller import Caller, Failed
from .stand_ins import stand_in_file

_POLL_S = MastodonSettings().media_poll_s


@speaks(Platform.MASTODON)
async def mastodon(caller: Caller, job: PublishJob) -> None:
    if not job.server_url:
        raise Failed("mastodon: the account has no server")
    server, c = job.server_url.rstrip("/"), job.content
    headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}
    media_ids = []
    for media in c.media:
        upload = stand_in_file(media, len(caller.video))
        response = await caller.expect(
            "mastodon media", (200, 202), "POST", f"{server}/api/v2/media",
            files={"file": upload}, headers=headers,
        )  # fmt: skip
        body = response.json()
        media_ids.append(str(body["id"]))
        processed = response.status_code == 200 and bool(body.get("url"))
        while not processed:  # as the client waits: 206 while processing, 200 once done
            url = f"{server}/api/v1/media/{body['id']}"
            answer = await caller.expect(
                "mastodon media status", (200, 206), "GET", url, headers=headers
            )
            processed = answer.status_code == 200
            if not processed:
                await asyncio.sleep(_POLL_S)
    form: dict = {"status": status_text(c.text, c.link), "visibility": "public"}
    if media_ids:
        form["media_ids[]"] = media_ids
    if job.reply_to:
        form["in_reply_to_id"] = job.reply_to
    await caller.json(
        "mastodon status", "POST", f"{server}/api/v1/statuses", "id", ok=(200,), data=form,
        headers={**headers, "Idempotency-Key": idempotency_key(job)},
    )  # fmt: skip
