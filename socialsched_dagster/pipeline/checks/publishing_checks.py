"""Publishing health as asset checks on each `<platform>_posts` asset.

Every check carries its measured value as metadata (the UI plots it over time) and its
severity from the thresholds resource; they run after each materialization and on the health
schedule.
"""

from datetime import timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from ...domain.platforms import Platform
from ...publishing.summary import percentile
from ...store import health
from ...store.models import utcnow
from ..resources.database import DatabaseResource
from ..resources.health import HealthThresholds
from ..resources.platforms import PlatformsResource


def build_publishing_checks(platform: Platform) -> list:
    asset = AssetKey(f"{platform.value}_posts")
    p = platform.value

    @asset_check(asset=asset, name="error_rate", description=f"{p}: failed calls, last 24 h")
    def error_rate(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        now = utcnow()
        with database.get_database().session() as s:
            day = health.attempt_stats(s, p, now - timedelta(hours=thresholds.window_hours))
            recent = health.attempt_stats(s, p, now - _recent(thresholds))
        rate = day.error_rate
        # Failing needs both windows over the threshold: see HealthThresholds.recent_minutes.
        failing = (
            rate > thresholds.error_rate_warn and recent.error_rate > thresholds.error_rate_warn
        )
        severe = failing and rate > thresholds.error_rate_error
        return AssetCheckResult(
            passed=not failing,
            severity=AssetCheckSeverity.ERROR if severe else AssetCheckSeverity.WARN,
            description=(
                f"{rate:.1%} of {day.total} calls failed in {thresholds.window_hours:g} h, "
                f"{recent.error_rate:.0%} of the last {recent.total} in "
                f"{thresholds.recent_minutes:g} min"
                if failing
                else None
            ),
            metadata={
                "error_rate": rate,
                "attempts": day.total,
                "errors": day.errors,
                "recent_error_rate": recent.error_rate,
                "recent_attempts": recent.total,
            },
        )

    @asset_check(asset=asset, name="lateness", description=f"{p}: on-time rate, lateness p95")
    def lateness(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        now = utcnow()
        with database.get_database().session() as s:
            values = health.lateness_s(s, p, now - timedelta(hours=thresholds.window_hours))
            recent = health.lateness_s(s, p, now - _recent(thresholds))
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
        with database.get_database().session() as s:
            count = health.missed_count(s, p)
        return AssetCheckResult(
            passed=count == 0,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"{count} post(s) missed: backfill the {p}_posts windows to publish them"
                if count
                else None
            ),
            metadata={"missed_targets": count},
        )

    @asset_check(asset=asset, name="queue_backlog", description=f"{p}: due posts left unclaimed")
    def backlog(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
        now = utcnow()
        with database.get_database().session() as s:
            count = health.backlog(
                s, p, now, timedelta(seconds=thresholds.backlog_grace_s),
                timedelta(seconds=thresholds.stale_after_s),
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

    return [error_rate, lateness, missed, backlog, breaker]


def _recent(thresholds: HealthThresholds) -> timedelta:
    return timedelta(minutes=thresholds.recent_minutes)
