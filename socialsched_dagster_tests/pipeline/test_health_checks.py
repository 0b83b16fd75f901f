"""Health checks evaluate the real state: green when publishing is healthy, red with the
measured value and the right severity when it is not."""

import contextlib
from datetime import timedelta

from dagster import AssetCheckSeverity, DagsterInstance

from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.resilience.guard import ResilientGuard
from socialsched_dagster.store.models import PostTarget, PublishAttempt, utcnow

FB, IG = Platform.FACEBOOK, Platform.INSTAGRAM


def evaluate(world) -> dict:
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("health_checks").execute_in_process(instance=instance)
    assert result.success
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def test_healthy_publishing_passes_every_check_with_its_measured_value(world):
    world.schedule(FB, 3, due_in_s=3)
    code, out = world.run(FB)
    assert code == 0, out
    checks = evaluate(world)
    failing = {k: e.description for k, e in checks.items() if not e.passed}
    assert failing == {}
    lateness = checks["facebook_posts:lateness"].metadata
    assert lateness["published"].value == 3 and 0 <= lateness["lateness_p95_s"].value < 5
    assert checks["facebook_posts:error_rate"].metadata["error_rate"].value == 0.0
    assert checks["scheduled_posts:due_query_latency"].metadata["db_query_ms"].value >= 0
    assert checks["scheduled_posts:redis_reachable"].metadata["redis_up"].value == 1


def test_missed_posts_a_stuck_queue_errors_and_an_open_breaker_turn_checks_red(world):
    ids = world.schedule(FB, 4, due_in_s=3600)
    now = utcnow()
    with world.db.session() as s, s.begin():
        targets = s.query(PostTarget).order_by(PostTarget.id).all()
        targets[0].status = "missed"
        targets[1].due_at = now - timedelta(minutes=5)  # due, never claimed: stuck queue
        for target in targets[2:]:  # 1 published and 9 failed calls: 90 % errors
            target.status = "published"
            target.published_at = now
        for i in range(10):
            outcome, kind = ("published", None) if i == 0 else ("retry", "platform_unavailable")
            s.add(
                PublishAttempt(
                    target_id=ids[3], run_id="r", started_at=now, finished_at=now,
                    outcome=outcome, error_kind=kind,
                )
            )  # fmt: skip
    guard = ResilientGuard(world.env["REDIS_URL"])
    for _ in range(6):  # real failures through the real breaker
        with contextlib.suppress(PublishError):
            guard.call(IG, "acct", _raise_unavailable)
    checks = evaluate(world)
    missed = checks["facebook_posts:no_missed_posts"]
    assert not missed.passed and missed.severity is AssetCheckSeverity.ERROR
    assert missed.metadata["missed_targets"].value == 1 and "backfill" in missed.description
    backlog = checks["facebook_posts:queue_backlog"]
    assert not backlog.passed and backlog.metadata["backlog"].value == 1
    errors = checks["facebook_posts:error_rate"]
    assert not errors.passed and errors.severity is AssetCheckSeverity.ERROR
    assert errors.metadata["error_rate"].value == 0.9
    breaker = checks["instagram_posts:breaker_closed"]
    assert not breaker.passed and breaker.metadata["breaker_open"].value == 2
    assert checks["facebook_posts:breaker_closed"].passed


def _raise_unavailable():
    raise PublishError(ErrorKind.PLATFORM_UNAVAILABLE, "503 from the platform")


def test_error_rate_and_lateness_turn_green_once_the_last_minutes_are_healthy(world):
    """An outage half an hour ago still weighs on the 24 h figures, but the checks pass: the
    recent window (10 min) is clean, so the problem is over."""
    ids = world.schedule(FB, 2, due_in_s=3600)
    now = utcnow()
    outage = now - timedelta(minutes=30)
    with world.db.session() as s, s.begin():
        late, recent = s.query(PostTarget).order_by(PostTarget.id).all()
        late.status, late.due_at, late.published_at = (
            "published",
            outage,
            now - timedelta(minutes=25),
        )
        recent.status, recent.due_at = "published", now - timedelta(minutes=2)
        recent.published_at = recent.due_at + timedelta(seconds=1)
        for i in range(10):  # 9 failed calls during the outage, then successes since
            failed = i < 9
            s.add(
                PublishAttempt(
                    target_id=ids[0], run_id="r", started_at=outage, finished_at=outage,
                    outcome="retry" if failed else "published",
                    error_kind="platform_unavailable" if failed else None,
                )
            )  # fmt: skip
        s.add(
            PublishAttempt(
                target_id=ids[1], run_id="r", started_at=now, finished_at=now, outcome="published"
            )
        )
    checks = evaluate(world)
    errors = checks["facebook_posts:error_rate"]
    assert errors.passed, errors.description
    assert errors.metadata["error_rate"].value == 9 / 11
    assert errors.metadata["recent_error_rate"].value == 0.0
    lateness = checks["facebook_posts:lateness"]
    assert lateness.passed, lateness.description
    assert lateness.metadata["lateness_p95_s"].value == 300.0
    assert lateness.metadata["recent_lateness_p95_s"].value == 1.0


def test_cache_hit_rate_warns_on_a_warm_cache_that_misses_not_on_a_cold_start(world):
    from socialsched_dagster.cache.resource import shared_cache

    cache = shared_cache(world.env["REDIS_URL"])
    for i in range(10):  # a cold start: every look-up misses once
        cache.get_or_set(f"account:{i}", lambda: {"ok": True})
    cold = evaluate(world)["scheduled_posts:cache_hit_rate"]
    assert cold.passed and cold.metadata["cache_lookups"].value == 10
    for i in range(10, 120):  # keys never repeat: the cache does no good
        cache.get_or_set(f"account:{i}", lambda: {"ok": True})
    for i in range(10):
        cache.get_or_set(f"account:{i}", lambda: {"ok": True})
    warm = evaluate(world)["scheduled_posts:cache_hit_rate"]
    assert not warm.passed and warm.severity is AssetCheckSeverity.WARN
    assert warm.metadata["cache_hit_rate"].value == 10 / 130
    assert "130 look-ups" in warm.description
