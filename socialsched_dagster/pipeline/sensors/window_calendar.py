"""`window_calendar_sensor`: the partition calendar says what a user thinks it says.

Without it, a healthy calendar reads "0 % filled, Missing (8,023)": every hour without posts
shows as missing work. Each tick reports the elapsed empty hours as materialized (a runless
materialization, the UI's own "Report materialization" event) and gives a failing
`window_published` verdict to each final hour whose posts failed or were missed without a run
to say so (calendar_plan.py says which hours, store/calendar.py finds the empty ones).
"""

from dagster import (
    AssetMaterialization,
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from ...domain.platforms import Platform
from ...store.calendar import busy_windows
from ..calendar_plan import HOUR, CalendarCursor, hours, plan_tick
from ..checks.window_checks import asset_key, latest_materialization, window_verdict
from ..partitions import HOURLY, partition_key
from ..resources.database import DatabaseResource
from ..resources.publishing import PublishingConfig

EMPTY = "No posts were due in this hour (or all were cancelled): nothing to publish."


def build_window_calendar_sensor(hours_per_tick: int | None = None):
    @sensor(
        name="window_calendar_sensor",
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Marks elapsed hours without posts as done in the partition calendar, and "
        "fails the window_published check of hours whose posts failed or were missed.",
    )
    def window_calendar_sensor(
        context: SensorEvaluationContext, database: DatabaseResource, publishing: PublishingConfig
    ):
        db = database.get_database()
        now, stale = db.now(), publishing.settings().stale_after
        cursor = CalendarCursor.from_json(context.cursor, now, stale)
        first = HOURLY.start  # the partitions' first hour
        kw = {"hours_per_tick": hours_per_tick} if hours_per_tick else {}
        plan = plan_tick(cursor, now, stale, first, **kw)
        events: list = []
        for platform in Platform:
            for start, end in plan.elapsed:
                busy = db.transaction(
                    lambda s, p=platform, a=start, b=end: busy_windows(s, p.value, a, b),
                    name="calendar: busy hours",
                    read_only=True,
                )
                events += [
                    AssetMaterialization(
                        asset_key=asset_key(platform), partition=partition_key(hour),
                        description=EMPTY, metadata={"targets": 0},
                    )
                    for hour in hours(start, end) if hour not in busy
                ]  # fmt: skip
            if plan.settle is not None:
                events += _failing_verdicts(context.instance, db, platform, *plan.settle)
        context.update_cursor(plan.cursor.to_json())
        if not events:
            return SkipReason("no hour elapsed or settled since the last tick")
        return SensorResult(asset_events=events)

    return window_calendar_sensor


def _failing_verdicts(instance, db, platform: Platform, start, end) -> list:
    busy = db.transaction(
        lambda s: busy_windows(s, platform.value, start, end),
        name="calendar: settled hours",
        read_only=True,
    )
    verdicts = (window_verdict(db, platform, hour, hour + HOUR) for hour in sorted(busy))
    # Passing hours are left alone: their runs said so, and the sensor only adds what no run
    # could say (posts missed while no run was there).
    return [v.as_evaluation(latest_materialization(instance, v)) for v in verdicts if not v.passed]
