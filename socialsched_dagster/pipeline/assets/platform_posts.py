"""`<platform>_posts`: one asset per platform, hourly partitions, built by one factory.

Materializing a partition publishes that window's due targets (claim -> wait until due -> publish
-> record). Runs started by the sensor or the safety schedule send what is scheduled; any other
materialization (a backfill, a manual run from the UI) is a deliberate act and also re-sends the
window's `missed` targets. Published targets are never touched again.

While it runs, the run logs its progress (run_progress.py); at its end it judges each of its
windows with the `window_published` check (window_checks.py), which fails and names the posts
when one failed or was missed.
"""

import resource
import threading

from dagster import (
    AssetCheckKey,
    AssetExecutionContext,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    TimeWindow,
    asset,
)

from ...domain.platforms import Platform
from ...publishing.summary import RunSummary
from ...publishing.window_run import WindowRun
from ...store.publishing import Window
from ..checks.window_checks import (
    WINDOW_CHECK,
    latest_materialization,
    window_check_spec,
    window_verdict,
)
from ..graceful import stop_on_signals
from ..partitions import HOURLY
from ..resources.database import DatabaseResource
from ..resources.platforms import PlatformsResource
from ..resources.publishing import PublishingConfig
from ..run_planning import TRIGGER_TAG
from .run_progress import RunProgress

MAX_TABLE_ROWS = 200


def build_platform_asset(platform: Platform):
    @asset(
        name=f"{platform.value}_posts",
        partitions_def=HOURLY,
        backfill_policy=BackfillPolicy.single_run(),
        pool=f"publish_{platform.value}",
        deps=["scheduled_posts", "oauth_tokens"],
        group_name="publishing",
        kinds={platform.value},
        description=f"Posts published to {platform.value.title()}, by hourly window of due time.",
        check_specs=[window_check_spec(platform)],
    )
    def _publish(
        context: AssetExecutionContext,
        database: DatabaseResource,
        platforms: PlatformsResource,
        publishing: PublishingConfig,
    ):
        window = context.partition_time_window
        deliberate = context.run.tags.get(TRIGGER_TAG) not in ("sensor", "schedule")
        stop = threading.Event()
        settings = publishing.settings()
        # The workers, the claim loop and the lease renewal each hold a connection at times.
        db = database.get_database(threads=settings.workers + 2)
        progress = RunProgress(context.log)
        run = WindowRun(
            db,
            platforms.cipher(),
            platforms.client(platform),
            Window(platform.value, window.start, window.end),
            context.run_id,
            settings,
            backfill=deliberate,
            stop=stop,
            refresher=platforms.refresher(db),
            on_result=progress,
        )
        context.log.info(
            f"publishing {platform.value} targets due {window.start:%Y-%m-%d %H:%M} to "
            f"{window.end:%H:%M} UTC" + (" (including missed ones)" if deliberate else "")
        )
        with stop_on_signals(stop, context.log), progress:
            summary = run.run()
        if summary.crashed:
            yield from _judge(context, db, platform, window)
            # Left claimed on purpose (their leases run out and the next run reconciles them);
            # the run is marked failed so nobody mistakes it for a clean one.
            raise Failure(
                description=f"{len(summary.crashed)} target(s) hit an unexpected error; "
                "see the run logs. They will be reconciled and retried by the next run.",
                metadata=run_metadata(summary),
            )
        yield MaterializeResult(metadata=run_metadata(summary))
        yield from _judge(context, db, platform, window)  # after: a verdict is of a materialization

    return _publish


def _judge(context: AssetExecutionContext, db, platform: Platform, window: TimeWindow):
    """`window_published` for each hour of the run (a backfill's single run covers a range).
    A check result cannot name its hour, an evaluation can; the Output is what Dagster yields
    for a check result itself, so the run counts the check as done."""
    for hour in _hours(context, window):
        verdict = window_verdict(db, platform, hour.start, hour.end)
        yield verdict.as_evaluation(latest_materialization(context.instance, verdict))
    key = AssetCheckKey(context.assets_def.key, WINDOW_CHECK)
    yield Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(key))


def _hours(context: AssetExecutionContext, window: TimeWindow) -> list[TimeWindow]:
    keys = context.partition_keys
    return [HOURLY.time_window_for_partition_key(k) for k in keys] if keys else [window]


def run_metadata(summary: RunSummary) -> dict:
    metadata: dict = dict(summary.counts())
    for key, value in summary.lateness().items():
        metadata[key] = MetadataValue.float(round(value, 3)) if value is not None else "n/a"
    metadata["targets"] = MetadataValue.md(_table(summary))
    metadata.update(process_usage())
    return metadata


def process_usage() -> dict:
    """CPU time and peak memory of this run's process: what a run costs, per run, in the UI
    (and what the benchmark reads back)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "process_cpu_s": MetadataValue.float(round(usage.ru_utime + usage.ru_stime, 3)),
        # ru_maxrss is in kilobytes on Linux.
        "peak_rss_mb": MetadataValue.float(round(usage.ru_maxrss / 1024, 1)),
    }


def _table(summary: RunSummary) -> str:
    rows = sorted(summary.results, key=lambda r: (r.due_at, r.target_id))
    if not rows:
        return "No targets were due in this window."
    lines = [
        "| target | account | due (UTC) | status | attempt | lateness s | error |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows[:MAX_TABLE_ROWS]:
        error = (r.error or "").replace("|", "/").replace("\n", " ")[:120]
        lines.append(
            f"| {r.target_id} | {r.account} | {r.due_at:%Y-%m-%d %H:%M:%S} | {r.status} | "
            f"{r.attempt_outcome} | {r.lateness_s:.2f} | {error} |"
        )
    if len(rows) > MAX_TABLE_ROWS:
        lines.append(f"\n{len(rows) - MAX_TABLE_ROWS} more: `socialsched posts list`.")
    return "\n".join(lines)
