"""Health of what publishing stands on, as checks on `scheduled_posts` (the queue):
the due-target query's latency and Redis."""

from datetime import timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from ...cache.shared import shared_cache
from ...store.health import due_query_seconds
from ...store.models import utcnow
from ..resources.database import DatabaseResource
from ..resources.health import HealthThresholds
from ..resources.redis import RedisResource


@asset_check(asset="scheduled_posts", description="The due-posts query stays fast.")
def due_query_latency(database: DatabaseResource, thresholds: HealthThresholds) -> AssetCheckResult:
    # A transaction, not a bare session: a database restart is waited out, not a failed check.
    seconds = database.get_database().transaction(
        lambda s: due_query_seconds(
            s, utcnow(), timedelta(seconds=45), timedelta(seconds=thresholds.stale_after_s)
        ),
        name="due query latency check",
        read_only=True,
    )
    slow = seconds > thresholds.db_latency_warn_s
    return AssetCheckResult(
        passed=not slow,
        severity=AssetCheckSeverity.WARN,
        description=f"due-posts query took {seconds * 1000:.0f} ms" if slow else None,
        metadata={"db_query_ms": seconds * 1000},
    )


@asset_check(asset="scheduled_posts", description="Redis answers, quickly.")
def redis_reachable(redis: RedisResource, thresholds: HealthThresholds) -> AssetCheckResult:
    status = redis.health()
    if not status.reachable:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            description=f"Redis unreachable ({status.error}); publishing runs on local limits",
            metadata={"redis_up": 0},
        )
    slow = status.latency_ms > thresholds.redis_latency_warn_ms
    return AssetCheckResult(
        passed=not slow,
        severity=AssetCheckSeverity.WARN,
        description=f"Redis answered in {status.latency_ms:.0f} ms" if slow else None,
        metadata={"redis_up": 1, "redis_latency_ms": status.latency_ms},
    )


@asset_check(asset="scheduled_posts", description="The shared cache saves real look-ups.")
def cache_hit_rate(redis: RedisResource, thresholds: HealthThresholds) -> AssetCheckResult:
    stats = shared_cache(redis.resolved_url()).stats()
    rate = stats.get("hit_rate")
    if rate is None:  # no look-ups yet, or Redis unreadable (redis_reachable says which)
        return AssetCheckResult(passed=True, metadata={"cache_lookups": 0})
    lookups = (stats.get("hits") or 0) + (stats.get("misses") or 0)
    # A cold cache misses first: judged on a handful of look-ups it would cry wolf on every start.
    low = rate < thresholds.cache_hit_rate_warn and lookups >= thresholds.cache_min_lookups
    return AssetCheckResult(
        passed=not low,
        severity=AssetCheckSeverity.WARN,
        description=f"cache hit rate {rate:.0%} over {lookups} look-ups" if low else None,
        metadata={"cache_hit_rate": rate, "cache_lookups": lookups},
    )


INFRASTRUCTURE_CHECKS = [due_query_latency, redis_reachable, cache_hit_rate]
