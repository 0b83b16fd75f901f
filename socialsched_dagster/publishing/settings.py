"""Knobs of a publishing run, with defaults that suit hourly windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PublishSettings:
    # Parallel calls per run. Most of a call is waiting on the platform, so threads suffice.
    workers: int = 8
    # Claim targets this far ahead of their due time, then wait and send exactly on time.
    claim_ahead_s: float = 3.0
    # A claim's lease; renewed every lease_s/3 while the run lives, so it only runs out when the
    # run died. Short enough that a crashed run's targets are taken over within minutes.
    lease_s: float = 90.0
    # How often the run looks for newly due targets of its window.
    poll_s: float = 1.0
    # Exit when nothing in the window is due within this long (the sensor starts a new run).
    idle_exit_s: float = 30.0
    # Past due by more than this, a target is `missed` and only a backfill sends it.
    stale_after_s: float = 2 * 3600.0
    # Unexpected exceptions (bugs, bad data) on one target before it is `failed`.
    max_crashes: int = 3
    # Multiplies our own retry back-off (never the platform's Retry-After): < 1 in drills.
    retry_scale: float = 1.0
    # Per platform that charges per post: each account's monthly budget in US dollars
    # (SOCIALSCHED_<PLATFORM>_MONTHLY_BUDGET_USD); a post that would exceed it is held.
    monthly_budgets_usd: tuple[tuple[str, float], ...] = ()

    def monthly_budget_usd(self, platform: str) -> float | None:
        return dict(self.monthly_budgets_usd).get(platform)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_s)

    @property
    def claim_ahead(self) -> timedelta:
        return timedelta(seconds=self.claim_ahead_s)

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.stale_after_s)


def monthly_budgets_from_env(env) -> tuple[tuple[str, float], ...]:
    """SOCIALSCHED_<PLATFORM>_MONTHLY_BUDGET_USD for each platform that has one set."""
    from ..domain.platforms import Platform

    budgets = []
    for platform in Platform:
        name = f"SOCIALSCHED_{platform.name}_MONTHLY_BUDGET_USD"
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not an amount in US dollars") from None
        if not value >= 0:
            raise ValueError(f"{name}={raw!r} must be 0 or more")
        budgets.append((platform.value, value))
    return tuple(budgets)
