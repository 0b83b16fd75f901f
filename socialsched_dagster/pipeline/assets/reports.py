"""Reports as assets: `publishing_report` (one partition per UTC day) and `post_insights`
(engagement of the last days' posts, read from the platforms). Both write their table under
`$SOCIALSCHED_HOME/reports/` and show it, with totals, in the asset's metadata.

The logic lives in socialsched_dagster.reports (pandas, no Dagster); these functions only wire
resources to it and turn its results into metadata.
"""

from datetime import timedelta

from dagster import (
    AssetExecutionContext,
    Config,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)
from pydantic import Field

from ...domain.platforms import Platform
from ...platforms.http import build_http_client
from ...platforms.insights import fetch_insights
from ...reports import post_insights as insights
from ...reports import publishing_report as report
from ...reports.tables import to_markdown_table, write
from ...settings import load_settings
from ...store.models import utcnow
from ..resources.database import DatabaseResource
from ..resources.platforms import PlatformsResource, platform_config_from_env
from ..run_tags import upkeep_run_tags

# end_offset=1: today's report can be built (and rebuilt) while the day goes on, e.g. right
# after an incident; the schedule below still builds yesterday's, once it has settled.
DAILY = DailyPartitionsDefinition(start_date="2026-01-01", timezone="UTC", end_offset=1)
PLATFORM_ASSETS = [f"{p.value}_posts" for p in Platform]
INSIGHT_COLUMNS = [
    "platform", "account", "external_post_id", "likes", "comments", "views", "shares",
    "error_kind", "error",
]  # fmt: skip


def reports_dir():
    return load_settings().home / "reports"


def _number(value):
    # Missing figures (no published post, nothing settled) read "n/a" rather than a fake 0.
    if value is None:
        return "n/a"
    return MetadataValue.float(float(value)) if isinstance(value, float) else value


def _paths(csv_path, parquet_path) -> dict:
    return {
        "csv_path": MetadataValue.path(str(csv_path)),
        "parquet_path": MetadataValue.path(str(parquet_path))
        if parquet_path
        else "n/a (no Parquet engine installed: pip install pyarrow)",
    }


@asset(
    partitions_def=DAILY,
    deps=PLATFORM_ASSETS,
    group_name="reports",
    kinds={"pandas", "csv"},
    description="Per platform and account: targets due that UTC day published, failed, missed; "
    "success rate; lateness p50/p95/max; top error kinds.",
)
def publishing_report(
    context: AssetExecutionContext, database: DatabaseResource
) -> MaterializeResult:
    day = context.partition_time_window.start.date()
    result = database.get_database().transaction(
        lambda s: report.build_report(s, day), name="publishing report", read_only=True
    )
    csv_path, parquet_path = report.write(result.table, reports_dir(), day)
    context.log.info(f"publishing report for {day}: {len(result.table)} account(s) -> {csv_path}")
    return MaterializeResult(
        metadata={
            "report": MetadataValue.md(to_markdown_table(result.table)),
            "accounts": len(result.table),
            **{key: _number(value) for key, value in result.totals.items()},
            **_paths(csv_path, parquet_path),
        }
    )


class InsightsConfig(Config):
    lookback_days: int = Field(default=7, description="posts published this many days back")
    # Graph reads one post per call, from the same rate budget publishing uses: a cap keeps a
    # report from crowding out the next window's posts.
    max_posts: int = Field(default=500, description="newest posts to read at most")


@asset(
    deps=PLATFORM_ASSETS,
    group_name="reports",
    kinds={"pandas", "csv"},
    description="Likes, comments, views and shares of recently published posts, per post.",
)
def post_insights(
    context: AssetExecutionContext,
    config: InsightsConfig,
    database: DatabaseResource,
    platforms: PlatformsResource,
) -> MaterializeResult:
    now = utcnow()
    db = database.get_database()
    since = now - timedelta(days=config.lookback_days)
    posts = insights.published_posts(db, since, config.max_posts)
    platform_config, guard = platform_config_from_env(), platforms.guard()
    with build_http_client(platform_config) as http:

        def fetch(platform, account, token, ids):
            return fetch_insights(platform, platform_config, guard, http, account, token, ids)

        table = insights.collect_insights(db, platforms.cipher(), fetch, posts)
    csv_path, parquet_path = write(table, reports_dir(), f"post_insights_{now:%Y-%m-%d}")
    errors = int(table["error_kind"].notna().sum())
    if errors:
        context.log.warning(f"{errors} of {len(table)} post(s) have no engagement: see the table")
    metadata: dict = {
        "insights": MetadataValue.md(to_markdown_table(table[INSIGHT_COLUMNS])),
        "posts": len(table),
        "errors": errors,
    }
    for platform, totals in insights.totals_by_platform(table).items():
        metadata.update({f"{platform}_{key}": value for key, value in totals.items()})
    return MaterializeResult(metadata={**metadata, **_paths(csv_path, parquet_path)})


REPORT_ASSETS = [publishing_report, post_insights]

publishing_report_job = define_asset_job(
    "publishing_report_daily",
    selection=[publishing_report],
    partitions_def=DAILY,
    executor_def=in_process_executor,
    description="Build one UTC day's publishing report.",
    tags=upkeep_run_tags(),  # the upkeep lane: never a slot publishing needs
)


# 02:30 UTC: past the default 2 h stale cutoff, so every target due yesterday has settled
# (published, failed or missed) before its day is counted. Yesterday named explicitly: with
# today's partition open, "the newest partition" would be today's.
@schedule(
    job=publishing_report_job,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    name="publishing_report_daily_schedule",
    default_status=DefaultScheduleStatus.RUNNING,
)
def publishing_report_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    day = (context.scheduled_execution_time - timedelta(days=1)).strftime("%Y-%m-%d")
    return RunRequest(run_key=day, partition_key=day)


post_insights_job = define_asset_job(
    "refresh_post_insights",
    selection=[post_insights],
    executor_def=in_process_executor,
    description="Read the engagement of the last days' posts from the platforms.",
    tags=upkeep_run_tags(),
)
# Off by default: it spends platform rate budget, which is for publishing first.
post_insights_schedule = ScheduleDefinition(
    name="post_insights_every_6h",
    job=post_insights_job,
    cron_schedule="45 */6 * * *",
    default_status=DefaultScheduleStatus.STOPPED,
)
REPORT_JOBS = [publishing_report_job, post_insights_job]
REPORT_SCHEDULES = [publishing_report_schedule, post_insights_schedule]
