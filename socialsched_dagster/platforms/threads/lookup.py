"""The id of a post that went out, from the account's own recent threads.

Threads links a container to the post it became nowhere a client can read, so when a container
says PUBLISHED (or is gone) the post is found by what it says and when: the newest post of the
look-back whose text (whitespace normalised) and media type are ours. Two identical posts within
the look-back cannot be told apart; the newer is taken.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ..base import PublishJob
from ..recent import recent_items
from .api import ThreadsApi

FIELDS = "id,text,media_type,timestamp"


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
    # recent_items only needs `get(job, path, endpoint, params=...)`, which ThreadsApi has.
    items = recent_items(
        api,  # type: ignore[arg-type]
        job,
        f"{job.account_external_id}/threads",
        "threads list",
        FIELDS,
        "timestamp",
        lookback_s,
    )
    text, kind = _normal(job.content.text), listed_media_type(job.content)
    for item in items:
        if _normal(str(item.get("text") or "")) != text or not item.get("id"):
            continue
        if item.get("media_type") in (None, kind):
            return str(item["id"])
    return None
