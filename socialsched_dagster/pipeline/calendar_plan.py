"""Which hours the partition calendar is told about on one tick (plain Python, no Dagster).

An hour without posts is not missing work: once it has elapsed, it is reported done (a
materialization that says "no posts were due"), so a healthy calendar reads filled, and
"Missing" is left to hours whose posts really did not go out. An hour with posts is its
publishing run's to materialize; once all its posts are past the stale cutoff it is final, and
if any of them failed or was missed it gets a failing `window_published` verdict (a window whose
posts were all missed during an outage never had a run to say so).

Three fronts, one cursor: `forward` follows the present hour by hour; `backward` fills the
history from the first tick's hour back to the partitions' start, newest first and a bounded
number of hours per tick (each hour is an event in Dagster's storage: a year of history is
26,000 events, spread over ticks so a tick stays short); `settled` follows the stale cutoff,
starting a day behind it on the first tick. Older history is not judged: its failures were
judged by their runs when they happened, and judging months of them at once would only flood
the alert channel.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store.due import hour_floor

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
HOURS_PER_TICK = 72  # per platform and front: three days, ~220 events on three platforms
FIELDS = ("forward", "backward", "settled")
SETTLED_LOOKBACK = timedelta(days=1)  # judged on the first tick: misses of the last day show


@dataclass
class CalendarCursor:
    forward: datetime  # the next hour to report once it has elapsed
    backward: datetime  # the hours before this one are history not reported yet
    settled: datetime  # the next hour to judge once all its posts are past the stale cutoff

    @classmethod
    def start(cls, now: datetime, stale_after: timedelta) -> CalendarCursor:
        here = hour_floor(now)
        return cls(here, here, hour_floor(now - stale_after) - SETTLED_LOOKBACK)

    @classmethod
    def from_json(cls, text: str | None, now: datetime, stale_after: timedelta):
        if text:
            try:
                data = json.loads(text)
                return cls(*(datetime.fromisoformat(data[k]) for k in FIELDS))
            except (ValueError, KeyError, TypeError) as exc:
                # Starting over re-reports the recent history (harmless: a materialization that
                # says "no posts" again); refusing would stop the calendar for good.
                log.warning("unreadable calendar cursor (%s); starting from the present", exc)
        return cls.start(now, stale_after)

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k).isoformat() for k in FIELDS})


@dataclass(frozen=True)
class TickPlan:
    """Ranges of hour starts, [start, end): to report if empty, and to judge."""

    elapsed: list[tuple[datetime, datetime]]
    settle: tuple[datetime, datetime] | None
    cursor: CalendarCursor


def plan_tick(
    cursor: CalendarCursor, now: datetime, stale_after: timedelta, first_hour: datetime,
    hours_per_tick: int = HOURS_PER_TICK,
) -> TickPlan:  # fmt: skip
    budget = timedelta(hours=hours_per_tick)
    elapsed = []
    present = hour_floor(now)  # hours before it have ended
    forward_end = min(present, cursor.forward + budget)
    if cursor.forward < forward_end:
        elapsed.append((cursor.forward, forward_end))
    backward_start = max(first_hour, cursor.backward - budget)
    if backward_start < cursor.backward:
        elapsed.append((backward_start, cursor.backward))
    cutoff = hour_floor(now - stale_after)  # hours before it: every post past the cutoff
    settle_end = min(cutoff, cursor.settled + budget)
    settle = (cursor.settled, settle_end) if cursor.settled < settle_end else None
    return TickPlan(
        elapsed,
        settle,
        CalendarCursor(
            max(cursor.forward, forward_end),
            min(cursor.backward, backward_start),
            max(cursor.settled, settle_end),
        ),
    )


def hours(start: datetime, end: datetime) -> list[datetime]:
    out, at = [], start
    while at < end:
        out.append(at)
        at += HOUR
    return out
