"""X: per medium the v2 chunked upload (initialize, one append per chunk of the client's chunk
size, finalize; the status polled while X still processes it, as long as X says), then
`POST /2/tweets` with the client's text. Left out: `GET /2/users/me`, which the client asks
once per account to check the token is the account's, not per post.
"""

from __future__ import annotations

import asyncio
from functools import cache

from ...domain.content import Media
from ...domain.platform_calls import PublishJob
from ...domain.platforms import Platform
from ...platforms.http import TARGET_HEADER, target_tag
from ...platforms.x.api import base_url
from ...platforms.x.settings import XSettings
from ...platforms.x.text import post_text
from ...platforms.x.uploads import ACCEPTED, WAITING
from . import speaks
from .caller import Caller, Failed
from .stand_ins import stand_in_file


@cache
def _chunk_bytes() -> int:
    return XSettings.from_env().chunk_bytes


@speaks(Platform.X)
async def x(caller: Caller, job: PublishJob) -> None:
    api, c = base_url(caller.config), job.content
    headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}
    media_ids = [await _upload(caller, api, media, headers) for media in c.media]
    body: dict = {}
    text = post_text(c.text, c.link)
    if text:
        body["text"] = text
    if media_ids:
        body["media"] = {"media_ids": media_ids}
    if job.reply_to:
        body["reply"] = {"in_reply_to_tweet_id": job.reply_to}
    answer = await caller.json("x post", "POST", f"{api}/2/tweets", "data", ok=(201,), json=body,
                               headers=headers)  # fmt: skip
    if not isinstance(answer["data"], dict) or not answer["data"].get("id"):
        raise Failed("x post: no data.id")


async def _upload(caller: Caller, api: str, media: Media, headers: dict[str, str]) -> str:
    _name, data, content_type = stand_in_file(media, len(caller.video))
    category = next((use for use, types in ACCEPTED.items() if content_type in types), None)
    if category is None:
        raise Failed(f"x media: X takes no {content_type}")
    started = await _data(
        caller, "x media initialize", f"{api}/2/media/upload/initialize", headers,
        json={"media_type": content_type, "total_bytes": len(data), "media_category": category},
    )  # fmt: skip
    media_id, chunk = str(started["id"]), _chunk_bytes()
    for segment, offset in enumerate(range(0, len(data), chunk)):
        await caller.expect(
            "x media append", range(200, 300), "POST",
            f"{api}/2/media/upload/{media_id}/append", data={"segment_index": str(segment)},
            files={"media": ("blob", data[offset : offset + chunk], "application/octet-stream")},
            headers=headers,
        )  # fmt: skip
    done = await _data(caller, "x media finalize", f"{api}/2/media/upload/{media_id}/finalize",
                       headers)  # fmt: skip
    while (state := (done.get("processing_info") or {}).get("state")) in WAITING:
        wait = (done.get("processing_info") or {}).get("check_after_secs") or 1
        await asyncio.sleep(float(wait))
        done = await _data(caller, "x media status", f"{api}/2/media/upload", headers, "GET",
                           params={"command": "STATUS", "media_id": media_id})  # fmt: skip
    if state == "failed":
        raise Failed("x media: X could not process it")
    return media_id


async def _data(caller: Caller, what: str, url: str, headers: dict, method: str = "POST", **kw):
    body = await caller.json(what, method, url, "data", headers=headers, **kw)
    if not isinstance(body["data"], dict) or not body["data"].get("id"):
        raise Failed(f"{what}: no data.id")
    return body["data"]
