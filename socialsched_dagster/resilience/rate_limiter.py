"""Waiting for rate budget, and slowing down when the platform says we are close to its limit.

Slow-down, from the usage percent a platform reports (Graph x-app-usage and
x-business-use-case-usage; 100 % is where it starts refusing):
  - below `slow_down_at_percent` (80): no pacing; a pace set earlier is lifted;
  - from 80 % to just under 100 %: PACE. What is left of the platform's window is
    (100 - percent) % of the budget; spread it evenly over one window, i.e. at least
    window / (limit x (100 - percent) / 100) seconds between calls. Graph at 200/h: 90 s between
    calls at 80 %, 360 s at 95 %. The pace lasts one window at most and every response's header
    re-sets or lifts it, so it follows the platform's own (decaying) count;
  - at 100 % or with an `estimated_time_to_regain_access`: PAUSE the budget until then (or for
    `pause_without_regain_s` when the platform gives no estimate).
A call that would wait longer than it may gets PublishError(RATE_LIMITED) with the wait as
`retry_after_s`, so the publisher reschedules the target instead of holding a worker.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..domain.errors import ErrorKind, PublishError
from ..domain.platform_calls import Usage
from .windows import Budget, WindowStore


@dataclass(frozen=True)
class SlowDown:
    pause_s: float = 0.0  # no call at all for this long
    pace_s: float = 0.0  # at least this long between two calls (0: lift any pace)


def plan_slow_down(
    usage: Usage, budget: Budget, slow_down_at_percent: float, pause_without_regain_s: float
) -> SlowDown:
    if usage.regain_after_s > 0 or usage.percent >= 100:
        return SlowDown(pause_s=usage.regain_after_s or pause_without_regain_s)
    if usage.percent < slow_down_at_percent:
        return SlowDown()
    calls_left = budget.limit * (100 - usage.percent) / 100
    return SlowDown(pace_s=budget.window_s / max(1.0, calls_left))


class RateLimiter:
    def __init__(
        self,
        store: WindowStore,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ):
        self.store = store
        self._sleep, self._clock = sleep, clock
        self._rng = rng or random.Random()

    def acquire(self, budgets: Sequence[Budget], timeout_s: float) -> float:
        """Block until every budget has room, take one call from each; return the seconds waited.
        Raises PublishError(RATE_LIMITED) as soon as the next slot lies beyond `timeout_s`."""
        started = self._clock()
        while True:
            wait = self.store.try_acquire(budgets)
            waited = self._clock() - started
            if wait <= 0:
                return waited
            remaining = timeout_s - waited
            if wait > remaining:
                raise _over_budget(budgets, wait, timeout_s)
            # A little jitter so that processes woken by the same free slot do not all race.
            self._sleep(min(remaining, wait + self._rng.uniform(0, 0.005 + wait * 0.05)))

    def pause(self, key: str, seconds: float) -> None:
        self.store.pause(key, seconds)

    def paused_for(self, key: str) -> float:
        return self.store.paused_for(key)

    def observe(
        self, budget: Budget, usage: Usage, slow_down_at_percent: float, pause_without_s: float
    ) -> SlowDown:
        plan = plan_slow_down(usage, budget, slow_down_at_percent, pause_without_s)
        if plan.pause_s > 0:
            self.store.pause(budget.key, plan.pause_s)
        elif plan.pace_s > 0:
            self.store.set_pace(budget.key, plan.pace_s, for_s=budget.window_s)
        else:
            self.store.clear_pace(budget.key)
        return plan


def _over_budget(budgets: Sequence[Budget], wait: float, timeout_s: float) -> PublishError:
    names = " + ".join(f"{b.key} ({b.limit}/{b.window_s:g}s)" for b in budgets)
    return PublishError(
        ErrorKind.RATE_LIMITED,
        f"our rate budget {names} has no room for {wait:.1f} s, "
        f"longer than the {timeout_s:g} s this call may wait",
        code="rate_budget",
        retry_after_s=wait,
    )
