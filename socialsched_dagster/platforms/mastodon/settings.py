"""The Mastodon client's own timings (PlatformConfig is shared; these are only Mastodon's)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MastodonSettings:
    # How long an instance's limits are kept (SOCIALSCHED_MASTODON_INSTANCE_CACHE_S).
    instance_cache_s: float = 900.0
    # Waiting for uploaded media to be processed, within one attempt; past it the attempt is
    # retried later with the same media (SOCIALSCHED_MASTODON_MEDIA_POLL_S / _MEDIA_WAIT_S).
    # Mastodon.py polls every 5 s; videos take seconds to a minute.
    media_poll_s: float = 2.0
    media_wait_s: float = 90.0
    # Mastodon keeps an Idempotency-Key 3,600 s; a replay is trusted only this long after
    # `prepare`, leaving 10 minutes for clocks that disagree and a POST sent late in it.
    idempotency_window_s: float = 3000.0
    # After the key has expired: how far back before `prepare` and how many pages of 40 of
    # the account's statuses are read to find ours.
    search_slack_s: float = 120.0
    search_pages: int = 5

    def __post_init__(self) -> None:
        if self.media_poll_s <= 0 or self.media_wait_s < 0 or self.search_pages < 1:
            raise ValueError("media_poll_s must be positive, media_wait_s >= 0, pages >= 1")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MastodonSettings:
        env = os.environ if env is None else env
        names = {
            "instance_cache_s": "SOCIALSCHED_MASTODON_INSTANCE_CACHE_S",
            "media_poll_s": "SOCIALSCHED_MASTODON_MEDIA_POLL_S",
            "media_wait_s": "SOCIALSCHED_MASTODON_MEDIA_WAIT_S",
        }
        values = {}
        for field, var in names.items():
            raw = env.get(var)
            if raw:
                try:
                    values[field] = float(raw)
                except ValueError:
                    raise ValueError(f"{var} must be a number of seconds, got {raw!r}") from None
        return cls(**values)
