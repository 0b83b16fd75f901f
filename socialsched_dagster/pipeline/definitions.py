"""The Dagster code location: every asset, check, sensor, schedule and resource."""

from __future__ import annotations

import warnings

from dagster import BetaWarning, Definitions, define_asset_job, in_process_executor

from ..domain.platforms import Platform
from .assets.oauth_tokens import oauth_tokens
from .assets.platform_posts import build_platform_asset
from .assets.scheduled_posts import scheduled_posts
from .partitions import HOURLY
from .resources.database import DatabaseResource
from .resources.platforms import PlatformsResource
from .resources.publishing import publishing_config_from_env
from .resources.redis import RedisResource
from .run_planning import job_name
from .schedules import build_safety_schedule
from .sensors.due_posts import build_due_posts_sensor


def build_definitions() -> Definitions:
    with warnings.catch_warnings():
        # backfill_policy is marked beta; it is what makes a backfill one run (DESIGN.md), and
        # the warning would otherwise print on every process start of every run.
        warnings.simplefilter("ignore", BetaWarning)
        platform_assets = {p: build_platform_asset(p) for p in Platform}
    jobs = {
        p: define_asset_job(
            job_name(p.value),
            selection=[a],
            partitions_def=HOURLY,
            # A run is one process; the multiprocess executor would add a second per step.
            executor_def=in_process_executor,
            description=f"Publish one window of {p.value} posts.",
        )
        for p, a in platform_assets.items()
    }
    redis = RedisResource()
    return Definitions(
        assets=[scheduled_posts, oauth_tokens, *platform_assets.values()],
        jobs=list(jobs.values()),
        sensors=[build_due_posts_sensor(list(jobs.values()))],
        schedules=[build_safety_schedule(p, j) for p, j in jobs.items()],
        resources={
            "database": DatabaseResource(),
            "redis": redis,
            "platforms": PlatformsResource(redis=redis),
            "publishing": publishing_config_from_env(),
        },
        executor=in_process_executor,
    )
