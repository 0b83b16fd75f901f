"""The Dagster code location: every asset, check, sensor, schedule and resource."""

from __future__ import annotations

import os
import warnings

from dagster import (
    AssetSelection,
    BetaWarning,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

from ..domain.platforms import Platform
from .assets.oauth_tokens import oauth_tokens
from .assets.platform_posts import build_platform_asset
from .assets.reports import REPORT_ASSETS, REPORT_JOBS, REPORT_SCHEDULES
from .assets.scheduled_posts import scheduled_posts
from .checks.api_version_checks import build_api_version_checks
from .checks.graph_version_check import graph_api_version
from .checks.infrastructure_checks import INFRASTRUCTURE_CHECKS
from .checks.publishing_checks import build_publishing_checks
from .checks.token_checks import TOKEN_CHECKS
from .partitions import HOURLY
from .resources.database import DatabaseResource
from .resources.health import health_thresholds_from_env
from .resources.platforms import PlatformsResource
from .resources.publishing import publishing_config_from_env
from .resources.redis import RedisResource
from .run_planning import job_name
from .run_tags import health_run_tags, publishing_run_tags, token_refresh_run_tags
from .schedules import build_safety_schedule
from .sensors.check_alerts import build_check_alerts_sensor
from .sensors.due_posts import build_due_posts_sensor
from .sensors.expiring_tokens import build_expiring_tokens_sensor
from .sensors.webhooks import build_webhooks_sensor
from .sensors.window_calendar import build_window_calendar_sensor


def build_definitions() -> Definitions:
    with warnings.catch_warnings():
        # backfill_policy is marked beta; it is what makes a backfill one run (DESIGN.md), and
        # the warning would otherwise print on every process start of every run.
        warnings.simplefilter("ignore", BetaWarning)
        platform_assets = {p: build_platform_asset(p) for p in Platform}
    publishing = publishing_config_from_env()
    publishing_tags = publishing_run_tags(publishing.settings(), publishing.sensor_lead_s)
    jobs = {
        p: define_asset_job(
            job_name(p.value),
            selection=[a],
            partitions_def=HOURLY,
            # A run is one process; the multiprocess executor would add a second per step.
            executor_def=in_process_executor,
            description=f"Publish one window of {p.value} posts.",
            run_tags=publishing_tags,  # first in the queue, ended when stuck (run_tags.py)
        )
        for p, a in platform_assets.items()
    }
    refresh_job = define_asset_job(
        "refresh_tokens",
        selection=AssetSelection.assets(oauth_tokens),
        executor_def=in_process_executor,
        description="Refresh every token within its refresh horizon, then check token health.",
        run_tags=token_refresh_run_tags(),
    )
    hourly_refresh = ScheduleDefinition(
        name="refresh_tokens_hourly",
        job=refresh_job,
        cron_schedule="7 * * * *",
        default_status=DefaultScheduleStatus.RUNNING,
    )
    checks = [
        *TOKEN_CHECKS,
        *INFRASTRUCTURE_CHECKS,
        graph_api_version,
        *build_api_version_checks(),
        *(c for p in Platform for c in build_publishing_checks(p)),
    ]
    health_job = define_asset_job(
        "health_checks",
        selection=AssetSelection.checks(*checks),
        executor_def=in_process_executor,
        description="Evaluate every health check (they also run after each materialization).",
        run_tags=health_run_tags(),
    )
    health_schedule = ScheduleDefinition(
        name="health_checks_schedule",
        job=health_job,
        # Detection delay versus one run per tick: every 5 minutes unless configured (the demo
        # evaluates every minute so that an outage drill shows within two).
        cron_schedule=os.environ.get("SOCIALSCHED_HEALTH_CHECKS_CRON", "*/5 * * * *"),
        default_status=DefaultScheduleStatus.RUNNING,
    )
    redis = RedisResource()
    return Definitions(
        assets=[scheduled_posts, oauth_tokens, *platform_assets.values(), *REPORT_ASSETS],
        asset_checks=checks,
        jobs=[*jobs.values(), refresh_job, health_job, *REPORT_JOBS],
        sensors=[
            build_due_posts_sensor(list(jobs.values())),
            build_expiring_tokens_sensor(refresh_job),
            build_check_alerts_sensor([*(j.name for j in jobs.values()), "refresh_tokens"]),
            build_window_calendar_sensor(),
            build_webhooks_sensor(),
        ],
        schedules=[
            *(build_safety_schedule(p, j) for p, j in jobs.items()),
            hourly_refresh,
            health_schedule,
            *REPORT_SCHEDULES,
        ],
        resources={
            "database": DatabaseResource(),
            "redis": redis,
            "platforms": PlatformsResource(redis=redis),
            "publishing": publishing,
            "thresholds": health_thresholds_from_env(),
        },
        executor=in_process_executor,
    )
