"""Hourly UTC windows: a partition is a time bucket of targets, not a post (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from dagster import HourlyPartitionsDefinition

# end_offset=2: the current hour's partition and the next one exist. A run must be requested
# (and started) before the first post of its window is due, so at HH:59 the sensor asks for the
# HH+1 window; with end_offset=1 that partition did not exist yet and Dagster failed the whole
# tick, so the posts due at HH:00 waited for the next tick. One hour of reach is far more than
# any sensible lead (seconds to minutes).
HOURLY = HourlyPartitionsDefinition(start_date="2026-01-01-00:00", timezone="UTC", end_offset=2)
KEY_FORMAT = "%Y-%m-%d-%H:%M"


def partition_key(window_start: datetime) -> str:
    return window_start.astimezone(timezone.utc).strftime(KEY_FORMAT)


def is_partition(window_start: datetime) -> bool:
    """Whether Dagster accepts a run for this window right now: the check Dagster itself makes
    on every requested partition key (with the same notion of "now", the partition loading
    context), so a window that passes here cannot fail the tick."""
    return HOURLY.has_partition_key(partition_key(window_start))


def partition_reach() -> str:
    """The first and last window that can be requested now, for messages."""
    first, last = HOURLY.get_first_partition_key(), HOURLY.get_last_partition_key()
    return f"{first} to {last} UTC"
