"""What a platform call is given and what it reports back, in the layer below the clients and
the guards around them: resilience/ and cache/ use these without depending on platforms/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .content import PostContent
from .platforms import Platform


@dataclass(frozen=True)
class PublishJob:
    target_id: int
    platform: Platform
    account_external_id: str
    access_token: str  # decrypted for this call only; repr hides it
    content: PostContent
    # Set when an earlier attempt got as far as `prepare` (reused, never recreated blindly).
    container_id: str | None = None
    # Called right before every request that can have an effect, with whether that request
    # can make the post public. The publisher's fence: it confirms (one conditional UPDATE)
    # that this run still owns the target with lease enough for the call, and records "may
    # have been sent" before a publishing call. Raises to stop the call.
    fence: Callable[[bool], None] | None = field(default=None, compare=False)
    # The account's own server (Mastodon instance, Bluesky PDS), for platforms that have one.
    server_url: str | None = None
    # A thread of posts goes out one segment per job: `content` is the segment's, `segment` its
    # position (0 = the head), `reply_to` the platform id of the segment before it and
    # `thread_root` the head's (Bluesky's replies name both). Ids as `publish` returned them.
    segment: int = 0
    reply_to: str | None = None
    thread_root: str | None = None

    def __repr__(self) -> str:
        return (
            f"PublishJob(target_id={self.target_id}, platform={self.platform.value}, "
            f"account={self.account_external_id}, container_id={self.container_id}, "
            f"segment={self.segment})"
        )


@dataclass(frozen=True)
class Usage:
    """What the platform says about our consumption, from its usage headers (0-100+ %)."""

    percent: float
    regain_after_s: float = 0.0
