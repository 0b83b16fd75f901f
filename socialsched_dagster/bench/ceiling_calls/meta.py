"""Meta's platforms: Instagram and Facebook Pages on Graph, Threads on graph.threads.net.

- Instagram: container, its status (one GET for an image, polled while IN_PROGRESS), then
  media_publish. Left out: the publishing-limit GET, which the client asks at most once a
  minute per account (a handful per account per run), and the media URL check it caches.
- Facebook: the draft (`/feed`, published=false), then `POST /{post-id}` is_published=true.
- Threads: container (the client's own form fields), its status, then threads_publish. Left
  out, as for Instagram: the publishing-limit GET the client caches per account.
"""

from __future__ import annotations

import asyncio
import time

from ...domain.content import MediaKind
from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.http import TARGET_HEADER, target_tag
from ...platforms.threads.api import API_VERSION, base_url
from ...platforms.threads.containers import as_reply, single_fields
from . import speaks
from .caller import Caller, Failed


def _headers(job: PublishJob) -> dict[str, str]:
    return {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}


async def _create(caller: Caller, what: str, url: str, data: dict, job: PublishJob) -> str:
    body = await caller.json(what, "POST", url, "id", ok=(200,), data=data, headers=_headers(job))
    return str(body["id"])


async def _until_ready(caller: Caller, what: str, url: str, fields: str, job: PublishJob) -> None:
    """As the clients wait: ask the container (its status is the first of `fields`), and again
    every poll interval while it is IN_PROGRESS, for at most the poll timeout."""
    config, status = caller.config, fields.split(",")[0]
    deadline = time.monotonic() + config.container_poll_timeout_s
    while True:
        body = await caller.json(
            what, "GET", url, status, params={"fields": fields}, headers=_headers(job)
        )
        code = str(body[status]).upper()
        if code == "FINISHED":
            return
        if code != "IN_PROGRESS" or time.monotonic() > deadline:
            raise Failed(f"{what}: {code}")
        await asyncio.sleep(config.container_poll_interval_s)


def _single(job: PublishJob):
    if len(job.content.media) > 1:
        raise Failed(f"{job.platform.value}: the ceiling speaks single-media posts only")
    return job.content.media[0] if job.content.media else None


@speaks(Platform.INSTAGRAM)
async def instagram(caller: Caller, job: PublishJob) -> None:
    graph, account = caller.config.graph_url, job.account_external_id
    media = _single(job)
    if media is None:
        raise Failed("instagram: a post needs an image or a video")
    if media.kind is MediaKind.VIDEO:  # feed videos are Reels
        data = {"media_type": "REELS", "video_url": media.url}
    else:
        data = {"image_url": media.url}
    data["caption"] = job.content.text
    container = await _create(caller, "instagram container", f"{graph}/{account}/media", data, job)
    await _until_ready(
        caller, "instagram status", f"{graph}/{container}", "status_code,status", job
    )
    data = {"creation_id": container}
    await _create(caller, "instagram publish", f"{graph}/{account}/media_publish", data, job)


@speaks(Platform.FACEBOOK)
async def facebook(caller: Caller, job: PublishJob) -> None:
    graph, c = caller.config.graph_url, job.content
    if c.media:
        raise Failed("facebook: the ceiling speaks text and link posts only")
    data = {"published": "false", "unpublished_content_type": "DRAFT"}
    if c.text:
        data["message"] = c.text
    if c.link:
        data["link"] = c.link
    post = await _create(
        caller, "facebook draft", f"{graph}/{job.account_external_id}/feed", data, job
    )
    body = await caller.json(
        "facebook publish", "POST", f"{graph}/{post}", ok=(200,),
        data={"is_published": "true"}, headers=_headers(job),
    )  # fmt: skip
    if body.get("success") is not True:
        raise Failed("facebook publish: no success")


@speaks(Platform.THREADS)
async def threads(caller: Caller, job: PublishJob) -> None:
    api, account = f"{base_url(caller.config)}/{API_VERSION}", job.account_external_id
    _single(job)
    data = as_reply(single_fields(job.content), job.reply_to)
    container = await _create(caller, "threads container", f"{api}/{account}/threads", data, job)
    await _until_ready(caller, "threads status", f"{api}/{container}", "status,error_message", job)
    data = {"creation_id": container}
    await _create(caller, "threads publish", f"{api}/{account}/threads_publish", data, job)
