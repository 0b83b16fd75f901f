"""Counters behind `/_sandbox/stats`: what the clients did and what the sandbox did to them."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.errors_injected: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()  # storms and limit hits, by endpoint
        self.malformed: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.down: Counter[str] = Counter()
        # Requests the client made while a server-side limit was already exhausted (outside a
        # storm): a well-behaved client that reads the usage headers keeps this at zero.
        self.rate_limit_violations = 0
        self.published: Counter[str] = Counter()

    def snapshot(self, duplicates: dict[str, int], ledger_size: int) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "errors_injected": dict(self.errors_injected),
            "throttled": dict(self.throttled),
            "throttled_total": sum(self.throttled.values()),
            "malformed": dict(self.malformed),
            "dropped": dict(self.dropped),
            "down": dict(self.down),
            "rate_limit_violations": self.rate_limit_violations,
            "published": dict(self.published),
            "published_total": sum(self.published.values()),
            "ledger_size": ledger_size,
            "duplicate_targets": duplicates,
            "duplicate_target_count": len(duplicates),
        }
