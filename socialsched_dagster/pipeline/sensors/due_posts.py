"""`due_posts_sensor`: starts a publishing run shortly before its window's posts are due."""

from datetime import timedelta

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from ..resources.database import DatabaseResource
from ..resources.publishing import PublishingConfig
from ..run_planning import decide, plan


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
        db = database.get_database()
        planned = plan(
            db,
            lead=timedelta(seconds=publishing.sensor_lead_s),
            stale_after=publishing.settings().stale_after,
        )
        if planned.missed:
            context.log.warning(
                f"{planned.missed} target(s) passed the stale cutoff and are now missed"
            )
        decision = decide(context.instance, db, planned, trigger="sensor")
        if not decision.requests:
            return SkipReason(decision.skip_message())
        if decision.unplannable:
            # The other windows still get their runs; this one is said in the tick's log.
            context.log.warning(decision.unplannable_message())
        return decision.requests

    return due_posts_sensor
