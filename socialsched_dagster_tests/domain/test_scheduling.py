from datetime import datetime, timezone

import pytest

from socialsched_dagster.domain.scheduling import ScheduleError, parse_schedule_time

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_wall_time_is_read_in_the_authors_zone():
    assert parse_schedule_time("2026-06-01 09:00", "Europe/Paris", now=NOW) == utc(2026, 6, 1, 7)
    assert parse_schedule_time("2026-12-01T09:00", "Asia/Kolkata", now=NOW) == utc(
        2026, 12, 1, 3, 30
    )


def test_an_explicit_offset_wins_over_the_zone():
    assert parse_schedule_time("2026-06-01T09:00+02:00", "Asia/Tokyo", now=NOW) == utc(
        2026, 6, 1, 7
    )
    assert parse_schedule_time("2026-06-01T09:00Z", "Europe/Paris", now=NOW) == utc(2026, 6, 1, 9)


@pytest.mark.parametrize(
    "wall,zone,choices",
    [
        ("2026-03-29 02:30", "Europe/Berlin", ("2026-03-29T01:30+01:00", "2026-03-29T03:30+02:00")),
        (
            "2026-03-08 02:15",
            "America/New_York",
            ("2026-03-08T01:15-05:00", "2026-03-08T03:15-04:00"),
        ),
        (
            "2026-10-04 02:30",
            "Australia/Sydney",
            ("2026-10-04T01:30+10:00", "2026-10-04T03:30+11:00"),
        ),
    ],
)
def test_a_time_in_the_spring_gap_is_refused_naming_both_choices(wall, zone, choices):
    with pytest.raises(ScheduleError) as err:
        parse_schedule_time(wall, zone, now=NOW)
    message = str(err.value)
    assert "does not exist" in message and zone in message
    for choice in choices:
        assert choice in message
    # Both suggestions are themselves accepted and an hour apart.
    a, b = (parse_schedule_time(c, zone, now=NOW) for c in choices)
    assert (b - a).total_seconds() == 3600


@pytest.mark.parametrize(
    "wall,zone,choices",
    [
        ("2026-10-25 02:30", "Europe/Berlin", ("2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00")),
        (
            "2026-11-01 01:30",
            "America/New_York",
            ("2026-11-01T01:30-04:00", "2026-11-01T01:30-05:00"),
        ),
    ],
)
def test_a_time_in_the_autumn_fold_is_refused_naming_both_instants(wall, zone, choices):
    with pytest.raises(ScheduleError) as err:
        parse_schedule_time(wall, zone, now=NOW)
    message = str(err.value)
    assert "ambiguous" in message and "twice" in message
    for choice in choices:
        assert choice in message


def test_times_next_to_a_dst_change_are_fine():
    assert parse_schedule_time("2026-03-29 01:59", "Europe/Berlin", now=NOW) == utc(
        2026, 3, 29, 0, 59
    )
    assert parse_schedule_time("2026-03-29 03:00", "Europe/Berlin", now=NOW) == utc(2026, 3, 29, 1)


def test_past_times_are_refused_unless_now():
    with pytest.raises(ScheduleError, match="in the past"):
        parse_schedule_time("2025-12-31 23:59", "UTC", now=NOW)
    assert parse_schedule_time("now", "UTC", now=NOW) == NOW
    assert parse_schedule_time("NOW", "Europe/Paris", now=NOW) == NOW


def test_now_can_be_refused_by_the_caller():
    with pytest.raises(ScheduleError):
        parse_schedule_time("now", "UTC", now=NOW, allow_now=False)


@pytest.mark.parametrize(
    "zone,hint", [("paris", "Europe/Paris"), ("Mars/Olympus", None), ("", None)]
)
def test_unknown_zones_are_refused_with_a_hint(zone, hint):
    with pytest.raises(ScheduleError) as err:
        parse_schedule_time("2026-06-01 09:00", zone, now=NOW)
    if hint:
        assert hint in str(err.value)


def test_unreadable_time():
    with pytest.raises(ScheduleError, match="ISO 8601"):
        parse_schedule_time("tomorrow 9am", "UTC", now=NOW)
