"""Hourly UTC windows: a partition is a time bucket of targets, not a post (DESIGN.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from dagster import HourlyPartitionsDefinition

# end_offset=1: the current hour's partition exists while its posts are going out.
HOURLY = HourlyPartitionsDefinition(start_date="2026-01-01-00:00", timezone="UTC", end_offset=1)
KEY_FORMAT = "%Y-%m-%d-%H:%M"


def partition_key(window_start: datetime) -> str:
    return window_start.astimezone(timezone.utc).strftime(KEY_FORMAT)
