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

from .conftest import finish, wait_for
from .inprocess import execute_window

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
    ok, out = execute_window(world, FB)
    assert ok, out
    checks = evaluate(world)
    failing = {k: e.description for k, e in checks.items() if not e.passed}
    assert failing == {}
    lateness = checks["facebook_posts:lateness"].metadata
    assert lateness["published"].value == 3 and 0 <= lateness["lateness_p95_s"].value < 5
    errors = checks["facebook_posts:error_rate"].metadata
    assert errors["error_rate"].value == 0.0 and errors["posts_due"].value == 3
    retries = checks["facebook_posts:retry_rate"].metadata
    assert retries["retry_rate"].value == 0.0 and retries["calls"].value == 3
    assert checks["scheduled_posts:due_query_latency"].metadata["db_query_ms"].value >= 0
    assert checks["scheduled_posts:redis_reachable"].metadata["redis_up"].value == 1
    # The per-window verdict is the runs' (one result per hour), not the schedule's.
    assert not any(k.endswith(":window_published") for k in checks)


def test_posts_that_went_out_after_retries_are_a_retry_warning_not_an_error(world):
    """The strict run's case: every post got out, some on a second try. error_rate is about
    posts and stays green; retry_rate says the platform pushed back, as a warning."""
    world.sandbox.control.set_faults(
        storm_429={"seconds": 60, "retry_after": 1, "endpoints": ["fb_feed"]}
    )
    ids = world.schedule(FB, 2, due_in_s=3)
    proc = world.run(FB, wait=False, extra_env={"SOCIALSCHED_PUBLISH_RETRY_SCALE": "0.01"})
    try:
        assert wait_for(lambda: len(_attempts(world, "retry")) >= 2, timeout=60)
        world.sandbox.control.set_faults(storm_429=None)
        code, out = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, out
    assert world.statuses() == dict.fromkeys(ids, "published")
    checks = evaluate(world)
    errors = checks["facebook_posts:error_rate"]
    assert errors.passed and errors.description is None
    assert errors.metadata["error_rate"].value == 0.0 and errors.metadata["posts_due"].value == 2
    retries = checks["facebook_posts:retry_rate"]
    calls, retried = len(_attempts(world)), len(_attempts(world, "retry"))
    assert not retries.passed and retries.severity is AssetCheckSeverity.WARN
    assert retries.metadata["retry_rate"].value == retried / calls >= 0.5
    assert retries.metadata["calls"].value == calls
    assert "ended in a retry" in retries.description


def _attempts(world, outcome: str | None = None) -> list[PublishAttempt]:
    with world.db.session() as s:
        q = s.query(PublishAttempt)
        if outcome:
            q = q.filter(PublishAttempt.outcome == outcome)
        return q.all()


def test_missed_posts_a_stuck_queue_errors_and_an_open_breaker_turn_checks_red(world):
    ids = world.schedule(FB, 4, due_in_s=3600)
    now = utcnow()
    with world.db.session() as s, s.begin():
        targets = s.query(PostTarget).order_by(PostTarget.id).all()
        missed = targets[0]  # due 3 h ago, never sent: missed just now
        missed.status, missed.due_at = "missed", now - timedelta(hours=3)
        missed.error_message = "not published before the stale cutoff"
        targets[1].due_at = now - timedelta(minutes=5)  # due, never claimed: stuck queue
        for target in targets[2:]:  # went out, the first after 9 retried calls
            target.status = "published"
            target.due_at, target.published_at = now - timedelta(minutes=1), now
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
    missed_check = checks["facebook_posts:no_missed_posts"]
    assert not missed_check.passed and missed_check.severity is AssetCheckSeverity.ERROR
    assert missed_check.metadata["missed_targets"].value == 1
    assert "backfill" in missed_check.description
    assert f"target {ids[0]} " in missed_check.description
    backlog = checks["facebook_posts:queue_backlog"]
    assert not backlog.passed and backlog.metadata["backlog"].value == 1
    # 1 of the 4 posts due did not go out (25 %), as does 1 of the 3 that settled just now.
    errors = checks["facebook_posts:error_rate"]
    assert not errors.passed and errors.severity is AssetCheckSeverity.ERROR
    assert errors.metadata["error_rate"].value == 0.25
    assert errors.metadata["missed"].value == 1 and errors.metadata["failed"].value == 0
    assert errors.metadata["recent_error_rate"].value == 1 / 3
    # The post is named: target, post, account, and the reason it did not go out.
    (post_id,) = [t.post_id for t in world.targets() if t.id == ids[0]]
    first = errors.description.splitlines()[1]
    assert first.startswith(f"target {ids[0]} (post {post_id}, @test_facebook")
    assert "missed: not published before the stale cutoff" in first
    assert "not published before the stale cutoff" in errors.metadata["posts"].value
    # The retried calls are the retry check's business, at WARN.
    retries = checks["facebook_posts:retry_rate"]
    assert not retries.passed and retries.severity is AssetCheckSeverity.WARN
    assert retries.metadata["retry_rate"].value == 0.9
    breaker = checks["instagram_posts:breaker_closed"]
    assert not breaker.passed and breaker.metadata["breaker_open"].value == 2
    assert checks["facebook_posts:breaker_closed"].passed


def test_the_error_rate_names_a_bounded_list_of_posts(world):
    """Sixty failed posts: the description names five (what an alert quotes), the table fifty,
    and both say how many more there are."""
    ids = world.schedule(FB, 60, due_in_s=3600)
    now = utcnow()
    with world.db.session() as s, s.begin():
        for target in s.query(PostTarget):
            target.status, target.due_at = "failed", now - timedelta(minutes=3)
            target.error_kind, target.error_code = "validation", "100"
            target.error_message = f"(#100) Invalid parameter for target {target.id}"
    errors = evaluate(world)["facebook_posts:error_rate"]
    assert not errors.passed and errors.severity is AssetCheckSeverity.ERROR
    assert errors.metadata["failed"].value == 60 and errors.metadata["error_rate"].value == 1.0
    lines = errors.description.splitlines()
    assert len(lines) == 1 + 5 + 1 and lines[-1].startswith("... and 55 more")
    assert f"(#100) Invalid parameter for target {ids[0]}" in lines[1]
    table = errors.metadata["posts"].value
    assert table.count("Invalid parameter") == 50 and "10 more" in table


def _raise_unavailable():
    raise PublishError(ErrorKind.PLATFORM_UNAVAILABLE, "503 from the platform")


def test_error_rate_retry_rate_and_lateness_turn_green_once_the_last_minutes_are_healthy(world):
    """An outage half an hour ago still weighs on the 24 h figures, but the checks pass: the
    recent window (10 min) is clean, so the problem is over."""
    ids = world.schedule(FB, 4, due_in_s=3600)
    now = utcnow()
    outage = now - timedelta(minutes=30)
    with world.db.session() as s, s.begin():
        failed, late, recent, fine = s.query(PostTarget).order_by(PostTarget.id).all()
        failed.status, failed.due_at, failed.error_message = "failed", outage, "(#1) unknown"
        late.status, late.due_at = "published", outage
        late.published_at = now - timedelta(minutes=25)
        recent.status, recent.due_at = "published", now - timedelta(minutes=2)
        recent.published_at = recent.due_at + timedelta(seconds=1)
        fine.status, fine.due_at = "published", now - timedelta(minutes=3)
        fine.published_at = fine.due_at + timedelta(seconds=1)
        for i in range(10):  # 9 retried calls during the outage, then successes since
            retried = i < 9
            s.add(
                PublishAttempt(
                    target_id=ids[1], run_id="r", started_at=outage, finished_at=outage,
                    outcome="retry" if retried else "published",
                    error_kind="platform_unavailable" if retried else None,
                )
            )  # fmt: skip
        s.add(
            PublishAttempt(
                target_id=ids[2], run_id="r", started_at=now, finished_at=now, outcome="published"
            )
        )
    # The failed post settled half an hour ago (updated_at is set on every write).
    with world.db.session() as s, s.begin():
        s.get(PostTarget, ids[0]).updated_at = outage
    checks = evaluate(world)
    errors = checks["facebook_posts:error_rate"]
    assert errors.passed, errors.description
    assert errors.metadata["error_rate"].value == 0.25
    assert errors.metadata["recent_error_rate"].value == 0.0
    assert f"target {ids[0]} " in errors.description  # green, but the post is still named
    retries = checks["facebook_posts:retry_rate"]
    assert retries.passed, retries.description
    assert retries.metadata["retry_rate"].value == 9 / 11
    assert retries.metadata["recent_retry_rate"].value == 0.0
    lateness = checks["facebook_posts:lateness"]
    assert lateness.passed, lateness.description
    assert lateness.metadata["lateness_p95_s"].value == 300.0
    assert lateness.metadata["recent_lateness_p95_s"].value == 1.0


def test_cache_hit_rate_warns_on_a_warm_cache_that_misses_not_on_a_cold_start(world):
    from socialsched_dagster.cache.shared import shared_cache

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
