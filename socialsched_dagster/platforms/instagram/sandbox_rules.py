"""Instagram's rules for media: what is fetchable, container status over time, caption limits."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.state import Container, SandboxState

HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w])@[\w.]+")
UNFETCHABLE_HOST = "unfetchable.invalid"

STATUS_TEXT = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "ERROR": "Error: Media download has failed. The media URI doesn't meet our requirements.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
}


def fetchable(url: str | None) -> bool:
    """The sandbox fetches nothing; by convention these URLs are the ones it "cannot fetch"."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname not in (None, UNFETCHABLE_HOST)


def status_code(state: SandboxState, c: Container, now: float) -> str:
    if c.published_media_id:
        return "PUBLISHED"
    if now - c.created_at >= state.settings.container_ttl_seconds:
        return "EXPIRED"
    if c.media_type == "CAROUSEL":
        kids = {status_code(state, state.containers[k], now) for k in c.children}
        for worst in ("ERROR", "EXPIRED", "IN_PROGRESS"):
            if worst in kids:
                return "ERROR" if worst == "EXPIRED" else worst
        return "FINISHED"
    if not c.fetchable:
        return "ERROR"
    return "IN_PROGRESS" if now < c.ready_at else "FINISHED"


def caption_error(state: SandboxState, caption: str) -> Response | None:
    s = state.settings
    if len(caption) > s.caption_max_chars:
        return errors.meta_invalid_param(
            "The caption is too long.",
            subcode=2207010,
            user_title="Caption too long",
            user_msg=f"The caption must be at most {s.caption_max_chars:,} characters.",
        )
    for pattern, limit, what in (
        (HASHTAG, s.caption_max_hashtags, "hashtags"),
        (MENTION, s.caption_max_mentions, "@ mentions"),
    ):
        if len(pattern.findall(caption)) > limit:
            return errors.meta_invalid_param(
                f"The caption contains more than {limit} {what}.",
                user_title=f"Too many {what}",
                user_msg=f"A caption may contain at most {limit} {what}.",
            )
    return None
