"""`due_posts_sensor`: starts a publishing run shortly before its window's posts are due."""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from ...store.models import utcnow
from ..resources.database import DatabaseResource
from ..resources.publishing import PublishingConfig
from ..run_planning import plan, run_requests


def build_due_posts_sensor(jobs):
    @sensor(
        name="due_posts_sensor",
        jobs=jobs,
        minimum_interval_seconds=10,
        default_status=DefaultSensorStatus.RUNNING,
        description="Requests a publishing run for each window with posts due within the lead "
        "time and no live run; marks targets past the stale cutoff as missed.",
    )
    def due_posts_sensor(
        context: SensorEvaluationContext, database: DatabaseResource, publishing: PublishingConfig
    ):
        settings = publishing.settings()
        missed, windows = plan(
            database.get_database(),
            utcnow(),
            lead=_seconds(publishing.sensor_lead_s),
            stale_after=settings.stale_after,
        )
        if missed:
            context.log.warning(f"{missed} target(s) passed the stale cutoff and are now missed")
        requests = run_requests(context.instance, windows, trigger="sensor")
        if not requests:
            busy = len(windows)
            return SkipReason(
                f"{busy} window(s) due, all covered by live runs" if busy else "nothing due"
            )
        return requests

    return due_posts_sensor


def _seconds(value: float):
    from datetime import timedelta

    return timedelta(seconds=value)
