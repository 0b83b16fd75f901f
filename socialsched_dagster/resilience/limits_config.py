"""How many calls we allow ourselves, per platform: every number is configuration.

The platforms change their limits from one document to the next (PLATFORM_APIS.md), so the
defaults below are a starting point that `from_dict` / `from_env` override field by field.
Budgets are counted in calls per rolling window, app-wide and per account, shared by every run
through Redis. While Redis is unreachable each process falls back to a LOCAL budget: a fraction
of the shared one divided by the number of runs assumed to publish at once, so that several
processes counting alone still stay under the platform's limit.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..domain.platforms import Platform

ENV_VAR = "SOCIALSCHED_RATE_LIMITS"


@dataclass(frozen=True)
class PlatformBudget:
    app_calls: int  # per window, all accounts of the app together
    account_calls: int  # per window, one account (ig-user, page, channel)
    window_s: float

    def __post_init__(self) -> None:
        if self.app_calls < 1 or self.account_calls < 1 or self.window_s <= 0:
            raise ValueError(f"budgets must be at least 1 call per positive window: {self}")

    def scaled(self, factor: float) -> PlatformBudget:
        """The same window with fewer calls, never below one (a zero budget would stop us)."""
        return PlatformBudget(
            app_calls=max(1, math.floor(self.app_calls * factor)),
            account_calls=max(1, math.floor(self.account_calls * factor)),
            window_s=self.window_s,
        )


def _default_budgets() -> Mapping[Platform, PlatformBudget]:
    """Each platform's documented budget, from its spec (platforms/<name>/__init__.py)."""
    from ..platforms.registry import specs  # late: the platforms layer builds on this module

    return MappingProxyType({s.platform: s.rate_budget() for s in specs()})


@dataclass(frozen=True)
class RateLimits:
    platforms: Mapping[Platform, PlatformBudget] = field(default_factory=_default_budgets)
    # Local budget while Redis is down = shared budget x local_fraction / assumed_concurrent_runs.
    local_fraction: float = 0.5
    assumed_concurrent_runs: int = 4
    # Usage headers at or above this percent make us spread calls out (see rate_limiter.py).
    slow_down_at_percent: float = 80.0
    # A header at 100 % without a regain estimate pauses the budget this long.
    pause_without_regain_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.local_fraction <= 1 or self.assumed_concurrent_runs < 1:
            raise ValueError("local_fraction must be in (0, 1], assumed_concurrent_runs >= 1")
        if not 0 < self.slow_down_at_percent <= 100:
            raise ValueError("slow_down_at_percent must be in (0, 100]")

    def shared(self, platform: Platform) -> PlatformBudget:
        try:
            return self.platforms[platform]
        except KeyError:
            raise ValueError(f"no rate limits configured for {platform.value}") from None

    def local(self, platform: Platform) -> PlatformBudget:
        return self.shared(platform).scaled(self.local_fraction / self.assumed_concurrent_runs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimits:
        """Overrides on top of the defaults; a platform entry may name only the fields it changes:
        {"platforms": {"instagram": {"account_calls": 100}}, "slow_down_at_percent": 75}."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown rate-limit setting(s): {', '.join(unknown)}")
        scalars = {k: v for k, v in data.items() if k != "platforms"}
        budgets = dict(_default_budgets())
        for name, changes in (data.get("platforms") or {}).items():
            platform = Platform.parse(name)
            base = dataclasses.asdict(budgets[platform])
            bad = sorted(set(changes) - set(base))
            if bad:
                raise ValueError(f"unknown {platform.value} budget field(s): {', '.join(bad)}")
            budgets[platform] = PlatformBudget(**{**base, **changes})
        return cls(platforms=MappingProxyType(budgets), **scalars)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RateLimits:
        """SOCIALSCHED_RATE_LIMITS holds the `from_dict` JSON inline, or the path of a JSON file."""
        env = os.environ if env is None else env
        raw = (env.get(ENV_VAR) or "").strip()
        if not raw:
            return cls()
        text = raw if raw.startswith("{") else Path(raw).read_text()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{ENV_VAR} is not valid JSON: {exc}") from None
        return cls.from_dict(data)
