"""Bluesky: one createSession per account for the whole run (the client keeps its session and
shares it between runs), then per post each image as a blob (`uploadBlob`) and the post record
(`createRecord`) under a record key chosen beforehand, text, facets and embed as the client
builds them. Left out: resolveHandle for mentions (the samples have none; the client caches it).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.bluesky.client import POST
from ...platforms.bluesky.record_handle import BlobRef
from ...platforms.bluesky.richtext import facets, post_text
from ...platforms.bluesky.tid import new_tid
from ...platforms.bluesky.xrpc import pds_url
from ...platforms.http import TARGET_HEADER, target_tag
from ...platforms.stand_in_media import stand_in_png
from . import speaks
from .caller import Caller, Failed


@speaks(Platform.BLUESKY)
async def bluesky(caller: Caller, job: PublishJob) -> None:
    xrpc = f"{pds_url(job)}/xrpc"
    headers = {
        "Authorization": f"Bearer {await _session(caller, job)}",
        TARGET_HEADER: target_tag(job),
    }
    images = []
    for media in job.content.media:
        body = await caller.json(
            "bluesky uploadBlob", "POST", f"{xrpc}/com.atproto.repo.uploadBlob", "blob",
            content=stand_in_png(media.url), headers={**headers, "Content-Type": "image/png"},
        )  # fmt: skip
        blob = body["blob"]
        try:
            ref = BlobRef(str(blob["ref"]["$link"]), str(blob["mimeType"]), int(blob["size"]))
        except (KeyError, TypeError, ValueError):
            raise Failed("bluesky uploadBlob: unreadable blob ref") from None
        images.append({"image": ref.record(), "alt": ""})
    text = post_text(job.content)
    record: dict = {"$type": POST, "text": text, "createdAt": _now()}
    found = facets(text, lambda _handle: None)
    if found:
        record["facets"] = found
    if images:
        record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
    await caller.json(
        "bluesky createRecord", "POST", f"{xrpc}/com.atproto.repo.createRecord", "uri", "cid",
        json={"repo": job.account_external_id, "collection": POST, "rkey": new_tid(),
              "record": record},
        headers=headers,
    )  # fmt: skip


async def _session(caller: Caller, job: PublishJob) -> str:
    """The account's access JWT: the first of its targets logs in, the others wait for it."""
    key = ("bluesky session", pds_url(job), job.account_external_id)
    login = caller.shared.get(key)
    if login is None:
        login = caller.shared[key] = asyncio.ensure_future(_login(caller, job))
    return await login


async def _login(caller: Caller, job: PublishJob) -> str:
    body = await caller.json(
        "bluesky createSession", "POST", f"{pds_url(job)}/xrpc/com.atproto.server.createSession",
        "accessJwt",
        json={"identifier": job.account_external_id, "password": job.access_token},
        headers={TARGET_HEADER: target_tag(job)},
    )  # fmt: skip
    return str(body["accessJwt"])


def _now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
