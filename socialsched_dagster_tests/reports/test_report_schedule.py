"""The daily report is built for yesterday at 02:30 UTC, while today's can be built on demand."""

from datetime import datetime, timezone

from dagster import build_schedule_context
from dagster._core.definitions.partitions.context import partition_loading_context

from socialsched_dagster.pipeline.assets.reports import DAILY, publishing_report_schedule


def test_the_schedule_builds_yesterdays_report_and_today_is_a_partition_already():
    at = datetime(2026, 11, 29, 2, 30, tzinfo=timezone.utc)
    request = publishing_report_schedule(build_schedule_context(scheduled_execution_time=at))
    assert request.partition_key == "2026-11-28"
    with partition_loading_context(effective_dt=datetime(2026, 11, 29, 13, 0, tzinfo=timezone.utc)):
        assert DAILY.get_last_partition_key() == "2026-11-29"
