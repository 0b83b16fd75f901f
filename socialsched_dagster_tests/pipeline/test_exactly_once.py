"""Exactly once under concurrency, crashes, signals (real run processes) and lost responses (the
publishing job executed in process: the point there is the reconcile, not the process)."""

import os
import signal
import time

import pytest
from dagster import DagsterInstance, build_sensor_context

from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import utcnow

from .conftest import finish, wait_for
from .inprocess import execute_window

FB, IG = Platform.FACEBOOK, Platform.INSTAGRAM


def test_two_runs_on_the_same_window_at_once(world):
    world.schedule(FB, 12, due_in_s=6)
    world.schedule(IG, 6, due_in_s=6)
    procs = [world.run(p, wait=False) for p in (FB, FB, IG, IG)]
    for proc in procs:
        code, out = finish(proc)
        assert code == 0, out
    assert set(world.statuses().values()) == {"published"}
    world.assert_exactly_once()


def test_the_sensor_requesting_the_same_window_twice(world):
    world.schedule(FB, 8, due_in_s=4)
    sensor = defs.resolve_sensor_def("due_posts_sensor")
    with DagsterInstance.get() as instance:
        requests = []
        for _ in range(2):  # two ticks before any run registered
            with build_sensor_context(instance=instance, resources=defs.resources) as context:
                requests += list(sensor(context) or [])
    assert len(requests) == 2
    assert requests[0].partition_key == requests[1].partition_key
    procs = [world.run(FB, wait=False, partition=r.partition_key) for r in requests]
    for proc in procs:
        code, out = finish(proc)
        assert code == 0, out
    assert set(world.statuses().values()) == {"published"}
    world.assert_exactly_once()


def test_a_backfill_overlapping_a_live_run(world):
    world.schedule(FB, 10, due_in_s=5)
    live = world.run(FB, wait=False, trigger="sensor")
    backfill = world.run(FB, wait=False, trigger=None)  # a deliberate materialization
    for proc in (live, backfill):
        code, out = finish(proc)
        assert code == 0, out
    assert set(world.statuses().values()) == {"published"}
    world.assert_exactly_once()


def test_a_run_killed_mid_publish_recovers_without_duplicates(world):
    world.sandbox.control.set_faults(latency_ms=3000)
    ids = world.schedule(FB, 6, due_in_s=8)
    proc = world.run(FB, wait=False)
    # Kill it while calls are in flight: sent at the due time, each held 3 s by the sandbox.
    assert wait_for(lambda: "publishing" in world.statuses().values(), timeout=60)
    time.sleep(max(0.0, (world.last_due - utcnow()).total_seconds() + 1.0))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert "publishing" in world.statuses().values()  # left claimed by the dead run
    world.sandbox.control.clear_faults()
    world.wait_for_leases_to_expire()  # the dead run's (fenced to cover its calls)
    code, out = world.run(FB)
    assert code == 0, out
    assert world.statuses() == dict.fromkeys(ids, "published"), out
    world.assert_exactly_once()


# Signal handling is not SQL: SIGTERM on one backend, Dagster's interrupt on the other.
@pytest.mark.parametrize(
    "db_url,signum",
    [("sqlite", signal.SIGTERM), ("postgresql", signal.SIGINT)],
    indirect=["db_url"],
    ids=["SIGTERM", "interrupt"],
)
def test_a_stop_finishes_calls_in_flight_and_releases_the_rest(world, signum):
    """SIGTERM from a supervisor, or the interrupt Dagster sends when Terminate is clicked."""
    world.sandbox.control.set_faults(latency_ms=2500)
    ids = world.schedule(FB, 4, due_in_s=8)
    proc = world.run(FB, wait=False, extra_env={"SOCIALSCHED_PUBLISH_WORKERS": "1"})
    assert wait_for(lambda: list(world.statuses().values()).count("publishing") >= 2, timeout=60)
    # One worker: the first call is in flight (sent at the due time, held 2.5 s by the
    # sandbox), a second target is claimed and waiting.
    time.sleep(max(0.0, (world.last_due - utcnow()).total_seconds() + 1.0))
    proc.send_signal(signum)
    code, out = finish(proc)
    if signum == signal.SIGTERM:
        assert "finishing calls in flight" in out, out
    after_stop = world.targets()
    assert [t.status for t in after_stop].count("published") == 1, out
    released = [t for t in after_stop if t.status == "scheduled"]
    assert len(released) == 3 and all(t.lease_owner is None for t in released)
    world.sandbox.control.clear_faults()
    code, out = world.run(FB)
    assert code == 0, out
    assert world.statuses() == dict.fromkeys(ids, "published")
    world.assert_exactly_once()


def test_a_response_lost_after_commit_is_reconciled_as_published(world, monkeypatch):
    world.sandbox.control.set_faults(
        # The answer to whichever call made the post public (a draft's POST /{post-id}).
        drop_after_commit={
            "endpoints": ["fb_feed", "fb_publish"],
            "count": 1,
            "published_only": True,
        },
        drop_hold_seconds=4,
    )
    world.schedule(FB, 1, due_in_s=1)
    monkeypatch.setenv("SOCIALSCHED_PLATFORM_READ_TIMEOUT_S", "1")
    ok, out = execute_window(world, FB)
    assert ok, out
    (target,) = world.targets()
    assert target.status == "published" and target.external_post_id
    assert len(world.ledger()) == 1
    world.assert_exactly_once()
    with world.db.session() as s:
        from socialsched_dagster.store.models import PublishAttempt

        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    assert outcomes == ["reconciled"]
