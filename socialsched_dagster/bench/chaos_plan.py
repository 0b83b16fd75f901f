"""The chaos drill's knobs: a full run (the figures of BENCHMARKS.md) and a smoke run (fewer
posts, shorter faults) that proves the harness in minutes."""

from __future__ import annotations

from dataclasses import dataclass, replace

# In the order they are injected; each waits for the previous one to recover (or time out).
FAULTS = (
    "run_kill", "daemon_kill", "postgres_restart", "redis_down", "storm_429", "storm_5xx",
    "drop_after_commit",
)  # fmt: skip
KILLS = frozenset({"run_kill", "daemon_kill"})  # recovery waits for the dead runs' leases


@dataclass(frozen=True)
class ChaosPlan:
    posts: int
    accounts_per_platform: int
    start_in_s: float  # until the first post is due: covers seeding, daemon and run start-up
    spread_s: float | None  # due times spread over this long; None: long enough for the faults
    daemon_down_s: float
    postgres_down_s: float
    redis_down_s: float
    storm_s: float  # the 429 storm and the 5xx storm
    retry_after_s: int  # what the 429 storm's answers ask for
    drop_s: float
    drop_rate: float
    gap_s: float  # quiet time between one fault's recovery and the next fault
    drain_s: float  # after the last due time: how long targets may take to become final
    lease_s: float = 90.0  # the product's default claim lease
    faults: tuple[str, ...] = FAULTS
    dagster_storage: str = "postgres"  # or "sqlite" (in the bench's DAGSTER_HOME)
    latency_ms: float = 50.0
    workers: int = 16

    @property
    def recovery_limit_s(self) -> float:
        return self.lease_s + 30

    def duration_of(self, fault: str) -> float:
        return {
            "daemon_kill": self.daemon_down_s,
            "postgres_restart": self.postgres_down_s,
            "redis_down": self.redis_down_s,
            "storm_429": self.storm_s,
            "storm_5xx": self.storm_s,
            "drop_after_commit": self.drop_s,
        }.get(fault, 0.0)

    def load_span_s(self) -> float:
        """Seconds of due times needed so that load keeps coming until the last fault has
        recovered: a kill recovers with the dead runs' leases, the others within seconds."""
        if self.spread_s is not None:
            return self.spread_s
        warm_up = 30.0
        per_fault = [
            self.duration_of(f) + (self.lease_s + 10 if f in KILLS else 30) + self.gap_s
            for f in self.faults
        ]
        return warm_up + sum(per_fault) + 60  # a tail: publishing after the last fault

    def with_overrides(self, **overrides) -> ChaosPlan:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


FULL = ChaosPlan(
    posts=6000, accounts_per_platform=150, start_in_s=75, spread_s=None,
    daemon_down_s=30, postgres_down_s=5, redis_down_s=60, storm_s=60, retry_after_s=10,
    drop_s=90, drop_rate=0.2, gap_s=20, drain_s=300,
)  # fmt: skip

SMOKE = ChaosPlan(
    posts=600, accounts_per_platform=30, start_in_s=60, spread_s=None,
    daemon_down_s=10, postgres_down_s=3, redis_down_s=15, storm_s=15, retry_after_s=5,
    drop_s=20, drop_rate=0.2, gap_s=10, drain_s=240,
)  # fmt: skip
