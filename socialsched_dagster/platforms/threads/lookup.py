"""The id of a post that went out, from the account's own recent threads or replies.

Threads links a container to the post it became nowhere a client can read, so when a container
says PUBLISHED (or is gone) the post is found by what it says and when: the newest post of the
look-back whose text (whitespace normalised) and media type are ours. Two identical posts within
the look-back cannot be told apart; the newer is taken.

A thread's segment after the head is a reply: it is listed among the account's replies
(`/{user}/replies`), not its threads, and it is ours only if it replies to the segment before
(`replied_to`), so the head or another segment saying the same words is never taken for it.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ..base import PublishJob
from ..recent import recent_items
from .api import ThreadsApi

FIELDS = "id,text,media_type,timestamp"
REPLY_FIELDS = f"{FIELDS},replied_to"


def listed_media_type(content: PostContent) -> str:
    """How GET /{user}/threads names the kind of post this content becomes."""
    if not content.media:
        return "TEXT_POST"
    if len(content.media) > 1:
        return "CAROUSEL_ALBUM"
    return "VIDEO" if content.media[0].kind is MediaKind.VIDEO else "IMAGE"


def _normal(text: str) -> str:
    return " ".join(text.split())


def find_post_id(api: ThreadsApi, job: PublishJob, lookback_s: float) -> str | None:
    """The post `job` became; for a thread's segment after the head, the reply."""
    edge, fields = ("replies", REPLY_FIELDS) if job.reply_to else ("threads", FIELDS)
    # recent_items only needs `get(job, path, endpoint, params=...)`, which ThreadsApi has.
    items = recent_items(
        api,  # type: ignore[arg-type]
        job,
        f"{job.account_external_id}/{edge}",
        f"{edge} list",
        fields,
        "timestamp",
        lookback_s,
    )
    text, kind = _normal(job.content.text), listed_media_type(job.content)
    for item in items:
        if _normal(str(item.get("text") or "")) != text or not item.get("id"):
            continue
        if job.reply_to and _replied_to(item) != job.reply_to:
            continue
        if item.get("media_type") in (None, kind):
            return str(item["id"])
    return None


def _replied_to(item: dict) -> str | None:
    parent = item.get("replied_to")
    return str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else None
