"""The sandbox's notion of now, which tests can move forward.

Container expiry (24 h), the rolling publishing window and token ages are hours long; a test
advances this clock (`POST /_sandbox/clock`) instead of waiting. Wall-clock based so that
timestamps survive a restart; the offset itself is not persisted.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0


def graph_time(ts: float) -> str:
    """Graph API timestamps look like 2024-05-01T12:00:00+0000."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def rfc3339(ts: float) -> str:
    """Google timestamps look like 2024-05-01T12:00:00.000Z."""
    dt = datetime.fromtimestamp(ts, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
