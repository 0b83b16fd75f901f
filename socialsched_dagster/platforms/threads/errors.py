"""Threads' failures as `PublishError`s.

Threads answers in the Graph error envelope, so `meta_errors.graph_error` reads every answer;
what is Threads' own is added here: the link limit it names by a string, the words of a failed
container's `error_message`, and the publishing caps (250 posts, and 1,000 replies, per rolling
24 h) reported as RATE_LIMITED with the time a slot frees, as the publisher can then simply wait
for it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import httpx

from ...domain.errors import ErrorKind, PublishError
from ..http import Call
from ..meta_errors import graph_error

if TYPE_CHECKING:
    from .quota import Limit

LINK_LIMIT = "THREADS_API__LINK_LIMIT_EXCEEDED"
UNKNOWN_NODE = "100/33"  # "Object with ID ... does not exist"
PUBLISHING_CAP = "threads_publishing_limit"
# A failed container's `error_message` (Threads' troubleshooting guide), in words a user can act on.
CONTAINER_ERRORS = {
    "FAILED_DOWNLOADING_VIDEO": "Threads could not download the video from its URL",
    "FAILED_PROCESSING_AUDIO": "Threads could not process the video's audio",
    "FAILED_PROCESSING_VIDEO": "Threads could not process the video",
    "INVALID_ASPEC_RATIO": "the video's aspect ratio is not accepted",
    "INVALID_BIT_RATE": "the video's bit rate is not accepted",
    "INVALID_DURATION": "the video is too long or too short (at most 5 minutes)",
    "INVALID_FRAME_RATE": "the video's frame rate is not accepted (23-60 fps)",
    "INVALID_AUDIO_CHANNELS": "the video's audio must be mono or stereo",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "the video's audio channel layout is not accepted",
    "UNKNOWN": "Threads could not process the media",
}


def threads_error(call: Call, response: httpx.Response) -> PublishError | None:
    """The failure a Threads answer reports, or None when it is a success."""
    error = graph_error(call, response)
    if error is None:
        return None
    if LINK_LIMIT in error.message:
        return dataclasses.replace(
            error,
            kind=ErrorKind.VALIDATION,
            message=f"a Threads post may hold at most 5 different links ({LINK_LIMIT})",
        )
    return error


def container_failed(error_message: str) -> PublishError:
    """ERROR: the media will never be accepted as it is; permanent, in Threads' own words."""
    code = error_message or "UNKNOWN"
    words = CONTAINER_ERRORS.get(code, "Threads could not process the media")
    return PublishError(ErrorKind.VALIDATION, f"{words} ({code})", code="ERROR")


def container_expired() -> PublishError:
    """EXPIRED: never published within its 24 h (PUBLISHED would say so): make a new one."""
    return PublishError(
        ErrorKind.MEDIA_PROCESSING,
        "the Threads container expired unpublished after 24 h; a new container is needed",
        code="EXPIRED",
        replace_container=True,
    )


def new_container_needed(exc: PublishError) -> PublishError:
    """The platform no longer knows the container: the next attempt prepares a new one."""
    return PublishError(
        ErrorKind.MEDIA_PROCESSING,
        f"{exc.message} A new container is needed.",
        exc.code,
        http_status=exc.http_status,
        replace_container=True,
    )


def cap_reached(
    limit: Limit | None, frees_in_s: float, noun: str = "posts", code: str = PUBLISHING_CAP
) -> PublishError:
    """The posts cap, or with `noun` "replies" and its code the replies cap (quota.py)."""
    minutes = max(1, round(frees_in_s / 60))
    count = f"{limit.usage} of {limit.total} {noun}" if limit else f"the {noun} allowed"
    which = "publishing" if noun == "posts" else "reply"
    return PublishError(
        ErrorKind.RATE_LIMITED,
        f"Threads {which} limit reached: {count} in the rolling 24 h; the next slot "
        f"frees in about {minutes} min",
        code=code,
        retry_after_s=frees_in_s,
    )
