"""Safety-net schedules: if the sensor is off or behind, due windows still get a run."""

from datetime import timedelta

from dagster import DefaultScheduleStatus, ScheduleEvaluationContext, SkipReason, schedule

from ..domain.platforms import Platform
from ..store.models import utcnow
from .resources.database import DatabaseResource
from .resources.publishing import PublishingConfig
from .run_planning import plan, run_requests


def build_safety_schedule(platform: Platform, job):
    @schedule(
        name=f"publish_{platform.value}_safety",
        cron_schedule="*/5 * * * *",
        job=job,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Every 5 minutes: a run for any {platform.value} window with due posts "
        "and no live run (normally the due-posts sensor has already started one).",
    )
    def _safety(
        context: ScheduleEvaluationContext,
        database: DatabaseResource,
        publishing: PublishingConfig,
    ):
        settings = publishing.settings()
        _missed, windows = plan(
            database.get_database(),
            utcnow(),
            lead=timedelta(seconds=publishing.sensor_lead_s),
            stale_after=settings.stale_after,
        )
        mine = [w for w in windows if w.platform == platform.value]
        requests = run_requests(context.instance, mine, trigger="schedule")
        return requests or SkipReason("no uncovered due window")

    return _safety
