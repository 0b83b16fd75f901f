"""Rolling-window usage: Graph call budgets, the Instagram publishing cap, the YouTube quota.

Windows are deques of timestamps pruned from the left on use, so each call costs O(1)
amortised even at thousands of accounts.
"""

from __future__ import annotations

import json
import math
from collections import deque
from datetime import datetime
from zoneinfo import ZoneInfo

from .settings import SandboxSettings

PACIFIC = ZoneInfo("America/Los_Angeles")  # YouTube quota resets at midnight Pacific


class Window:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.times: deque[float] = deque()

    def count(self, now: float) -> int:
        cutoff = now - self.seconds
        times = self.times
        while times and times[0] <= cutoff:
            times.popleft()
        return len(times)

    def add(self, now: float) -> None:
        self.times.append(now)

    def seconds_until_slot(self, now: float) -> float:
        return max(0.0, self.times[0] + self.seconds - now) if self.times else 0.0


class GraphUsage:
    """Per-account (business use case) and app-wide call budgets, and their usage headers.

    One deque of (time, account) for the whole app, with a per-account count kept in step, so
    the number of active accounts (the real app budget is 200 x active users) is always exact.
    """

    def __init__(self, settings: SandboxSettings) -> None:
        self.s = settings
        self.calls: deque[tuple[float, str]] = deque()
        self.per_account: dict[str, deque[float]] = {}

    def _prune(self, now: float) -> None:
        cutoff = now - self.s.graph_window_seconds
        calls, per_account = self.calls, self.per_account
        while calls and calls[0][0] <= cutoff:
            _, account = calls.popleft()
            times = per_account[account]
            times.popleft()
            if not times:
                del per_account[account]

    def count(self, account: str, now: float) -> int:
        self._prune(now)
        times = self.per_account.get(account)
        return len(times) if times else 0

    def app_budget(self) -> int:
        if self.s.graph_app_calls_per_window is not None:
            return self.s.graph_app_calls_per_window
        return self.s.graph_account_calls_per_window * max(1, len(self.per_account))

    def over_limit(self, account: str, now: float) -> str | None:
        """'account' or 'app' if the next call would exceed a budget, else None."""
        if self.count(account, now) >= self.s.graph_account_calls_per_window:
            return "account"
        # With the real rule (budget None) the app total can never pass 200 x active accounts
        # before every account has passed its own budget, so only a fixed budget is checked.
        fixed = self.s.graph_app_calls_per_window
        if fixed is not None and len(self.calls) >= fixed:
            return "app"
        return None

    def record(self, account: str, now: float) -> None:
        self.calls.append((now, account))
        times = self.per_account.get(account)
        if times is None:
            times = self.per_account[account] = deque()
        times.append(now)

    def regain_minutes(self, account: str, now: float) -> int:
        times = self.per_account.get(account)
        if not times:
            return 0
        return math.ceil(max(0.0, times[0] + self.s.graph_window_seconds - now) / 60)

    def headers(self, account: str | None, buc_type: str, now: float) -> dict[str, str]:
        self._prune(now)
        app_pct = min(100, round(100 * len(self.calls) / max(1, self.app_budget())))
        out = {"x-app-usage": _usage(app_pct)}
        if account:
            used = self.count(account, now)
            pct = min(100, round(100 * used / self.s.graph_account_calls_per_window))
            regain = self.regain_minutes(account, now) if pct >= 100 else 0
            out["x-business-use-case-usage"] = buc_header(account, buc_type, pct, regain)
        return out


def _usage(pct: int) -> str:
    # CPU/time shares are not modelled; they track the call count at half its value.
    return json.dumps(
        {"call_count": pct, "total_time": pct // 2, "total_cputime": pct // 2},
        separators=(",", ":"),
    )


def buc_header(account: str, buc_type: str, pct: int, regain_minutes: int) -> str:
    return json.dumps(
        {
            account: [
                {
                    "type": buc_type,
                    "call_count": pct,
                    "total_cputime": pct // 2,
                    "total_time": pct // 2,
                    "estimated_time_to_regain_access": regain_minutes,
                }
            ]
        },
        separators=(",", ":"),
    )


class YouTubeQuota:
    def __init__(self, units_per_day: int) -> None:
        self.units_per_day = units_per_day
        self.day = ""
        self.used = 0

    def _roll(self, now: float) -> None:
        day = datetime.fromtimestamp(now, PACIFIC).date().isoformat()
        if day != self.day:
            self.day, self.used = day, 0

    def charge(self, units: int, now: float) -> bool:
        """Spend units if the day's budget allows; False means quotaExceeded."""
        self._roll(now)
        if self.used + units > self.units_per_day:
            return False
        self.used += units
        return True

    def force(self, units: int, at: float, now: float) -> None:
        """Replay a charge from the journal (only today's count)."""
        self._roll(now)
        if datetime.fromtimestamp(at, PACIFIC).date().isoformat() == self.day:
            self.used += units
