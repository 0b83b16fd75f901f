"""Engagement the sandbox reports for a published item: deterministic, so tests can predict it.

Counts are a pure function of the ledger entry's external id and of its age in WHOLE HOURS: a
test that publishes and reads within the first hour knows every number exactly (growth factor
1), and a test that advances the sandbox clock by hours sees them grow. Hash-derived ratios keep
the numbers plausible (views > likes > comments) without any stored state, so they also survive
a sandbox restart unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

GROWTH_HOURS = 168  # a post gathers attention for a week, then its counts stay put
HOUR = 3600.0


@dataclass(frozen=True)
class Counts:
    views: int
    likes: int
    comments: int
    shares: int


def engagement(external_id: str, age_s: float) -> Counts:
    digest = hashlib.sha256(external_id.encode("utf-8")).digest()
    first_hour_views = 50 + int.from_bytes(digest[0:2], "big") % 950
    hours = min(max(0, int(age_s // HOUR)), GROWTH_HOURS)
    # Views grow linearly to 8x over the week; integer maths keeps the values exact.
    views = first_hour_views * (24 + hours) // 24
    likes = views * (4 + digest[2] % 12) // 100  # 4-15 % of viewers like
    comments = likes * (5 + digest[3] % 26) // 100  # 5-30 % of likers comment
    shares = likes // (3 + digest[4] % 5)
    return Counts(views=views, likes=likes, comments=comments, shares=shares)


def entry_counts(entry: dict[str, Any], now: float) -> Counts:
    """The counts of a ledger entry as of `now` (sandbox clock)."""
    return engagement(entry["external_id"], now - entry["ts"])
