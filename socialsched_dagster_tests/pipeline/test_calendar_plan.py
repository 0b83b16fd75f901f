"""Which hours the calendar sensor reports on each tick: bounded, newest history first, never an
hour twice, never an hour that has not ended."""

from datetime import datetime, timedelta, timezone

from socialsched_dagster.pipeline.calendar_plan import CalendarCursor, plan_tick

UTC = timezone.utc
H = timedelta(hours=1)
STALE = timedelta(hours=2)
FIRST = datetime(2026, 1, 1, tzinfo=UTC)  # the partitions' first hour


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def ticks(cursor: CalendarCursor, now: datetime, n: int):
    plans = []
    for _ in range(n):
        plan = plan_tick(cursor, now, STALE, FIRST, hours_per_tick=72)
        plans.append(plan)
        cursor = plan.cursor
    return plans


def covered(plans) -> list[datetime]:
    hours = []
    for plan in plans:
        for start, end in plan.elapsed:
            at = start
            while at < end:
                hours.append(at)
                at += H
    return hours


def test_history_fills_newest_first_down_to_the_partitions_start_then_stops():
    now = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)
    plans = ticks(CalendarCursor.from_json(None, now, STALE), now, 10)
    hours = covered(plans)
    elapsed = (datetime(2026, 1, 20, 9, tzinfo=UTC) - FIRST) // H  # 465 hours have ended
    assert sorted(hours) == [FIRST + i * H for i in range(elapsed)]  # each once, none open
    assert plans[0].elapsed == [(now.replace(minute=0) - 72 * H, now.replace(minute=0))]
    assert all(not p.elapsed for p in plans[7:])  # 465 / 72: done after 7 ticks


def test_the_present_is_followed_hour_by_hour_and_a_long_stop_is_caught_up_in_bounds():
    now = datetime(2026, 6, 1, 12, 10, tzinfo=UTC)
    cursor = CalendarCursor.from_json(None, now, STALE)
    cursor.backward = FIRST  # history done
    cursor.settled = datetime(2026, 6, 1, 10, tzinfo=UTC)  # judged up to the cutoff
    (same_hour,) = ticks(cursor, now + timedelta(minutes=20), 1)
    assert same_hour.elapsed == [] and same_hour.settle is None
    (next_hour,) = ticks(cursor, now + H, 1)
    assert next_hour.elapsed == [(now.replace(minute=0), now.replace(minute=0) + H)]
    later = now + timedelta(days=10)  # the daemon was off for ten days
    first, second = ticks(cursor, later, 2)
    assert first.elapsed[0][1] - first.elapsed[0][0] == 72 * H
    assert second.elapsed[0][0] == first.elapsed[0][1]


def test_an_hour_is_judged_once_all_its_posts_are_past_the_stale_cutoff():
    now = datetime(2026, 6, 1, 12, 10, tzinfo=UTC)
    (first,) = ticks(CalendarCursor.from_json(None, now, STALE), now, 1)
    # The first tick judges the last day behind the cutoff: 10:00 is the first hour not final.
    assert first.settle == (at(5, 31, 10), at(6, 1, 10))
    (again,) = ticks(first.cursor, now + timedelta(minutes=45), 1)
    assert again.settle is None  # 10:00-11:00 has posts due until 11:00: final at 13:00
    (final,) = ticks(first.cursor, datetime(2026, 6, 1, 13, 0, tzinfo=UTC), 1)
    assert final.settle == (at(6, 1, 10), at(6, 1, 11))


def test_the_cursor_round_trips_and_an_unreadable_one_starts_from_the_present():
    now = datetime(2026, 6, 1, 12, 10, tzinfo=UTC)
    (plan,) = ticks(CalendarCursor.from_json(None, now, STALE), now, 1)
    assert CalendarCursor.from_json(plan.cursor.to_json(), now, STALE) == plan.cursor
    assert CalendarCursor.from_json("{nope", now, STALE) == CalendarCursor.start(now, STALE)
