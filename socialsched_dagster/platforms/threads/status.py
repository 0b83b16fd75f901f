"""A container's status (`GET /{container}?fields=status,error_message`) and the bounded wait
for it to be ready.

IN_PROGRESS while Threads fetches and processes the media (seconds for an image, up to minutes
for a video), then FINISHED (ready), PUBLISHED (it went out), ERROR (with `error_message`) or
EXPIRED (not published within 24 h).
"""

from __future__ import annotations

import time

from ...domain.errors import ErrorKind, PublishError
from ..base import PublishJob
from ..config import PlatformConfig
from . import errors
from .api import ThreadsApi

READY, WAITING = ("FINISHED", "PUBLISHED"), "IN_PROGRESS"


def container_status(api: ThreadsApi, job: PublishJob, container_id: str) -> tuple[str, str]:
    """(status, error_message) of a container."""
    body = api.get(
        job,
        container_id,
        "container status",
        params={"fields": "status,error_message"},
        expect=("status",),
    )
    return str(body["status"]).upper(), str(body.get("error_message") or "")


def wait_until_ready(
    api: ThreadsApi, config: PlatformConfig, job: PublishJob, container_id: str
) -> str:
    """FINISHED or PUBLISHED; raises what the container's state means otherwise. Polled every
    `container_poll_interval_s` for at most `container_poll_timeout_s`: a video still
    processing after that is a quick retry, not a run held for minutes."""
    interval = config.container_poll_interval_s
    deadline = time.monotonic() + config.container_poll_timeout_s
    while True:
        try:
            status, message = container_status(api, job, container_id)
        except PublishError as exc:
            if exc.code != errors.UNKNOWN_NODE:
                raise
            # Publish is only reached when no earlier threads_publish may have gone out (else
            # the publisher reconciles first), so a new container is safe.
            raise errors.new_container_needed(exc) from exc
        if status in READY:
            return status
        if status == "ERROR":
            raise errors.container_failed(message)
        if status == "EXPIRED":
            raise errors.container_expired()
        if status != WAITING:
            raise PublishError(ErrorKind.UNKNOWN, f"unexpected container status {status!r}")
        if time.monotonic() + interval > deadline:
            raise PublishError(
                ErrorKind.MEDIA_PROCESSING,
                f"Threads is still processing the media after "
                f"{config.container_poll_timeout_s:g} s",
                WAITING,
            )
        time.sleep(interval)
