"""What a run did, for its metadata in the UI."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from .worker import TargetResult


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class RunSummary:
    results: list[TargetResult] = field(default_factory=list)
    released: int = 0
    crashed: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: TargetResult) -> None:
        with self._lock:
            self.results.append(result)

    def add_crash(self, target_id: int) -> None:
        with self._lock:
            self.crashed.append(target_id)

    def count(self, attempt_outcome: str) -> int:
        return sum(1 for r in self.results if r.attempt_outcome == attempt_outcome)

    @property
    def published(self) -> int:
        return sum(1 for r in self.results if r.status == "published")

    @property
    def lateness_s(self) -> list[float]:
        return [r.lateness_s for r in self.results if r.status == "published"]

    def counts(self) -> dict[str, int]:
        return {
            "published": self.published,
            "reconciled": self.count("reconciled"),
            "failed": self.count("failed"),
            "retried": self.count("retry"),
            "missed": self.count("missed"),
            "held": self.count("held"),
            "released": self.released,
            "crashed": len(self.crashed),
        }

    def lateness(self) -> dict[str, float | None]:
        values = self.lateness_s
        return {
            "lateness_p50_s": percentile(values, 50),
            "lateness_p95_s": percentile(values, 95),
            "lateness_max_s": max(values) if values else None,
        }
