"""Publishing health as asset checks on each `<platform>_posts` asset.

Every check carries its measured value as metadata (the UI plots it over time) and its
severity from the thresholds resource; they run after each materialization and on the health
schedule. Each reads the database in one read-only `transaction`, so a database restart is
waited out (retried) instead of failing the check.

`error_rate` judges what a user counts as an error: posts that failed or were missed. The share
of platform calls that were retried is `retry_rate`, its own check at WARN: a post that went out
on its second try is no error, yet many retries say the platform throttles or fails. Two checks,
not one with two severities, because a check has one state: folded together, an alert could not
say which of the two changed, and a retry storm would hide a failed post behind a warning.
"""

from datetime import timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from ...domain.platforms import Platform
from ...publishing.summary import percentile
from ...store import health
from ..resources.database import DatabaseResource
from ..resources.health import HealthThresholds
from ..resources.platforms import PlatformsResource
from .post_list import NAMED_IN_TABLE, describe, hint, table


def build_publishing_checks(platform: Platform) -> list:
    asset = AssetKey(f"{platform.value}_posts")
    p = platform.value

    @asset_check(
        asset=asset, name="error_rate", description=f"{p}: posts failed or missed, last 24 h"
    )
    def error_rate(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        db = database.get_database()
        now = db.now()
        day_start = now - timedelta(hours=thresholds.window_hours)

        def read(s):
            day = health.due_outcomes(s, p, day_start, now)
            recent = health.settled_outcomes(s, p, now - _recent(thresholds), day_start)
            named = health.problem_targets(s, p, day_start, now, NAMED_IN_TABLE)
            return day, recent, named

        day, recent, named = db.transaction(read, name=f"{p} error rate check", read_only=True)
        rate, warn = day.problem_rate, thresholds.error_rate_warn
        # Failing needs both windows over the threshold: see HealthThresholds.recent_minutes.
        failing = rate > warn and recent.problem_rate > warn
        severe = failing and rate > thresholds.error_rate_error
        metadata: dict = {
            "error_rate": rate,
            "posts_due": day.total,
            "failed": day.failed,
            "missed": day.missed,
            "recent_error_rate": recent.problem_rate,
            "recent_settled": recent.total,
        }
        description = None
        if day.problems:
            metadata["posts"] = table(named, day.problems)
            description = (
                f"{day.problems} of {day.total} post(s) due in the last "
                f"{thresholds.window_hours:g} h failed or were missed ({rate:.1%}; "
                f"{recent.problems} of the {recent.total} settled in the last "
                f"{thresholds.recent_minutes:g} min){hint(named, day.problems)}\n"
                + describe(named, day.problems)
            )
        return AssetCheckResult(
            passed=not failing,
            severity=AssetCheckSeverity.ERROR if severe else AssetCheckSeverity.WARN,
            description=description,
            metadata=metadata,
        )

    @asset_check(asset=asset, name="retry_rate", description=f"{p}: calls retried, last 24 h")
    def retry_rate(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        db = database.get_database()
        now = db.now()

        def read(s):
            day = health.attempt_stats(s, p, now - timedelta(hours=thresholds.window_hours))
            return day, health.attempt_stats(s, p, now - _recent(thresholds))

        day, recent = db.transaction(read, name=f"{p} retry rate check", read_only=True)
        warn = thresholds.retry_rate_warn
        failing = day.retry_rate > warn and recent.retry_rate > warn
        return AssetCheckResult(
            passed=not failing,
            severity=AssetCheckSeverity.WARN,
            description=(
                f"{day.retry_rate:.1%} of {day.total} platform calls in "
                f"{thresholds.window_hours:g} h ended in a retry, {recent.retry_rate:.0%} of the "
                f"last {recent.total} in {thresholds.recent_minutes:g} min (throttling, 5xx or "
                "network): the posts still go out, later; error_rate counts those that did not"
                if failing
                else None
            ),
            metadata={
                "retry_rate": day.retry_rate,
                "calls": day.total,
                "retried": day.retried,
                "recent_retry_rate": recent.retry_rate,
                "recent_calls": recent.total,
            },
        )

    @asset_check(asset=asset, name="lateness", description=f"{p}: on-time rate, lateness p95")
    def lateness(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        db = database.get_database()
        now = db.now()

        def read(s):
            day = health.lateness_s(s, p, now - timedelta(hours=thresholds.window_hours))
            return day, health.lateness_s(s, p, now - _recent(thresholds))

        values, recent = db.transaction(read, name=f"{p} lateness check", read_only=True)
        p95 = percentile(values, 95) or 0.0
        recent_p95 = percentile(recent, 95) or 0.0
        on_time = (
            sum(1 for v in values if v <= thresholds.on_time_within_s) / len(values)
            if values
            else 1.0
        )
        limit = thresholds.lateness_p95_error_s
        late = p95 > limit and recent_p95 > limit
        return AssetCheckResult(
            passed=not late,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"lateness p95 {p95:.1f} s ({recent_p95:.1f} s for posts due in the last "
                f"{thresholds.recent_minutes:g} min)"
                if late
                else None
            ),
            metadata={
                "lateness_p95_s": p95,
                "recent_lateness_p95_s": recent_p95,
                "on_time_rate": on_time,
                "published": len(values),
            },
        )

    @asset_check(asset=asset, name="no_missed_posts", description=f"{p}: nothing left missed")
    def missed(database: DatabaseResource) -> AssetCheckResult:
        def read(s):
            count = health.missed_count(s, p)
            named = health.problem_targets(
                s, p, None, None, NAMED_IN_TABLE, statuses=("missed",)
            ) if count else []  # fmt: skip
            return count, named

        db = database.get_database()
        count, named = db.transaction(read, name=f"{p} missed check", read_only=True)
        return AssetCheckResult(
            passed=count == 0,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"{count} post(s) missed{hint(named, count)}: backfill the {p}_posts windows "
                "to publish them\n" + describe(named, count)
                if count
                else None
            ),
            metadata={"missed_targets": count, **({"posts": table(named, count)} if count else {})},
        )

    @asset_check(asset=asset, name="queue_backlog", description=f"{p}: due posts left unclaimed")
    def backlog(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        db = database.get_database()
        now = db.now()
        count = db.transaction(
            lambda s: health.backlog(
                s, p, now, timedelta(seconds=thresholds.backlog_grace_s),
                timedelta(seconds=thresholds.stale_after_s),
            ),
            name=f"{p} backlog check",
            read_only=True,
        )  # fmt: skip
        return AssetCheckResult(
            passed=count == 0,
            severity=AssetCheckSeverity.ERROR,
            description=f"{count} due post(s) unclaimed for over 2 minutes" if count else None,
            metadata={"backlog": count},
        )

    @asset_check(asset=asset, name="breaker_closed", description=f"{p}: circuit breaker closed")
    def breaker(platforms: PlatformsResource) -> AssetCheckResult:
        status = platforms.guard().health()["breakers"].get(p, {})
        state = status.get("state", "closed")
        return AssetCheckResult(
            passed=state == "closed",
            severity=AssetCheckSeverity.ERROR if state == "open" else AssetCheckSeverity.WARN,
            description=f"breaker {state}" if state != "closed" else None,
            metadata={"breaker_open": {"closed": 0, "half-open": 1, "open": 2}.get(state, 2)},
        )

    return [error_rate, retry_rate, lateness, missed, backlog, breaker]


def _recent(thresholds: HealthThresholds) -> timedelta:
    return timedelta(minutes=thresholds.recent_minutes)
