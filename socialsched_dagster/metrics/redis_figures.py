"""What a scrape reads from Redis: breaker states, rate-budget use, cache counters.

Read only what the publishing runs themselves share, through their own code where it exists
(ResilientGuard for breakers and budget keys), so the exporter cannot drift from the runs.
"""

from __future__ import annotations

import redis

from ..resilience.guard import ResilientGuard

BREAKER_STATE_VALUE = {"closed": 0, "half-open": 1, "open": 2}


def breaker_states(guard: ResilientGuard) -> dict[str, int] | None:
    """Per platform: 0 closed, 1 half-open, 2 open. None when the guard could only answer from
    its in-process fallback, which knows nothing of the runs' shared breakers."""
    health = guard.health()
    if health["mode"] != "shared" or guard.mode.local:  # mode may change while health() runs
        return None
    return {p: BREAKER_STATE_VALUE[b["state"]] for p, b in health["breakers"].items()}


def rate_limit_usage(
    client: redis.Redis, guard: ResilientGuard, accounts: dict[str, list[str]]
) -> dict[tuple[str, str], float]:
    """(platform, budget) -> share of a shared sliding-window budget used right now: "app" for
    the app-wide budget, "account_max" for the busiest active account (Graph's 200 calls per
    account per hour is the budget that binds first).

    The windows are sorted sets of grant times in the Redis server's clock (redis_windows.py),
    so a ZCOUNT over the last window, against Redis TIME, is exactly what the limiter counts.
    """
    seconds, micros = client.time()
    now_ms = seconds * 1000 + micros / 1000
    plan = []
    for platform in guard.limits.platforms:
        # The guard's own key layout and limits (no public accessor yet; see the report).
        plan.append((platform.value, "app", guard._budget(platform, None, True)))
        for external_id in accounts.get(platform.value, ()):
            plan.append((platform.value, "account_max", guard._budget(platform, external_id, True)))
    pipe = client.pipeline(transaction=False)
    for _, _, budget in plan:
        pipe.zcount(budget.key, now_ms - budget.window_s * 1000, "+inf")
    usage = {
        (p.value, name): 0.0 for p in guard.limits.platforms for name in ("app", "account_max")
    }
    for (platform, name, budget), used in zip(plan, pipe.execute(), strict=True):
        usage[(platform, name)] = max(usage[(platform, name)], used / budget.limit)
    return usage
