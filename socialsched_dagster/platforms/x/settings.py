"""The X client's own settings (PlatformConfig is shared; these are only X's), from the
environment: the OAuth 2 app, the media waits, how far reconciliation reads back, the prices.

X's prices and limits change from one announcement to the next, so each number is
configuration with the documented value as its default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

_NUMBERS = {
    "media_poll_s": "SOCIALSCHED_X_MEDIA_POLL_S",
    "media_wait_s": "SOCIALSCHED_X_MEDIA_WAIT_S",
    "chunk_bytes": "SOCIALSCHED_X_CHUNK_BYTES",
    "search_slack_s": "SOCIALSCHED_X_SEARCH_SLACK_S",
    "search_pages": "SOCIALSCHED_X_SEARCH_PAGES",
    "post_cost_usd": "SOCIALSCHED_X_POST_COST_USD",
    "url_post_cost_usd": "SOCIALSCHED_X_URL_POST_COST_USD",
}
_INTEGERS = {"chunk_bytes", "search_pages"}


@dataclass(frozen=True, repr=False)
class XSettings:
    # The OAuth 2 app (developer console): a public client sends its id with the refresh; a
    # confidential one authenticates with id and secret (HTTP Basic).
    client_id: str | None = field(default=None)
    client_secret: str | None = field(default=None)
    # Waiting for an uploaded video to be processed, within one attempt; past it the attempt is
    # retried later with the same upload. X says how long to wait (check_after_secs); this
    # is the shortest pause we take between two status reads.
    media_poll_s: float = 1.0
    media_wait_s: float = 120.0
    # Bytes per APPEND: X takes chunks of at most 5 MB.
    chunk_bytes: int = 4 * 1024 * 1024
    # Reconciliation reads the account's posts created since just before `prepare` (minus
    # this slack, for clocks that disagree), at most this many pages of 100.
    search_slack_s: float = 300.0
    search_pages: int = 3
    # Pay-per-use (docs.x.com, 2026): "Content: Create" $0.015 a request, $0.20 with a URL.
    post_cost_usd: float = 0.015
    url_post_cost_usd: float = 0.20

    def __post_init__(self) -> None:
        if self.media_poll_s <= 0 or self.media_wait_s < 0:
            raise ValueError("media_poll_s must be positive and media_wait_s at least 0")
        if not 0 < self.chunk_bytes <= 5 * 1024 * 1024:
            raise ValueError("chunk_bytes must be positive and at most 5 MB (X's APPEND limit)")
        if self.search_pages < 1 or self.search_slack_s < 0:
            raise ValueError("search_pages must be at least 1 and search_slack_s at least 0")
        if self.post_cost_usd < 0 or self.url_post_cost_usd < 0:
            raise ValueError("post costs cannot be negative")

    def __repr__(self) -> str:
        secret = "***" if self.client_secret else None
        return f"XSettings(client_id={self.client_id!r}, client_secret={secret}, ...)"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> XSettings:
        env = os.environ if env is None else env
        values: dict = {
            "client_id": env.get("SOCIALSCHED_X_CLIENT_ID") or None,
            "client_secret": env.get("SOCIALSCHED_X_CLIENT_SECRET") or None,
        }
        for name, var in _NUMBERS.items():
            raw = env.get(var)
            if not raw:
                continue
            try:
                values[name] = int(raw) if name in _INTEGERS else float(raw)
            except ValueError:
                raise ValueError(f"{var} must be a number, got {raw!r}") from None
        return cls(**values)
