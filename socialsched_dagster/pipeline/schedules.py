"""Safety-net schedules: if the sensor is off or behind, due windows still get a run."""

from datetime import timedelta

from dagster import (
    DefaultScheduleStatus,
    ScheduleEvaluationContext,
    SkipReason,
    partition_loading_context,
    schedule,
)

from ..domain.platforms import Platform
from .resources.database import DatabaseResource
from .resources.publishing import PublishingConfig
from .run_planning import decide, plan


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
        db = database.get_database()
        planned = plan(
            db,
            lead=timedelta(seconds=publishing.sensor_lead_s),
            stale_after=publishing.settings().stale_after,
        )
        # Dagster validates a schedule's partition keys as of the tick's scheduled time (a
        # late tick included), so the windows are judged at that time too. Several requests
        # need run keys; a schedule's run keys are scoped to its tick.
        with partition_loading_context(effective_dt=context.scheduled_execution_time):
            decision = decide(
                context.instance, db, planned, "schedule", platforms=[platform.value], run_key=True
            )
        if not decision.requests:
            return SkipReason(decision.skip_message())
        if decision.unplannable:
            context.log.warning(decision.unplannable_message())
        return decision.requests

    return _safety
