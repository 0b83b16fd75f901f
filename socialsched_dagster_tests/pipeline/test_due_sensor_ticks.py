"""The due-posts sensor and the safety schedules through Dagster's own tick evaluation, which
validates every requested partition key: across an hour boundary and a day boundary, a tick
requests the next window's run before the boundary and never fails on a window that cannot be a
partition (it says so and still requests the others)."""

import logging
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    RunsFilter,
    build_schedule_context,
    build_sensor_context,
    partition_loading_context,
)
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.sensor import execute_sensor_iteration

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.definitions import build_definitions
from socialsched_dagster.pipeline.partitions import partition_key
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import utcnow

REPO = Path(__file__).resolve().parents[2]
FB, IG = Platform.FACEBOOK, Platform.INSTAGRAM
UTC = timezone.utc


def _post_at(world, platform, when: datetime) -> int:
    return world.schedule(platform, 1, due_in_s=(when - utcnow()).total_seconds())[0]


def _next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=UTC)


def _sensor_ticks(instance, context):
    location = next(iter(context.create_request_context().get_code_location_entries().values()))
    repo = next(iter(location.code_location.get_repositories().values()))
    sensor = repo.get_sensor("due_posts_sensor")
    return instance.get_ticks(sensor.get_remote_origin_id(), sensor.selector_id)


def _tick_log(instance, tick) -> str:
    """The tick's log as the UI shows it (Dagster captures a sensor's `context.log`)."""
    if not tick.log_key:
        return ""
    data = instance.compute_log_manager.get_log_data(tick.log_key)
    return b"".join(part or b"" for part in (data.stdout, data.stderr)).decode()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the Dagster path, not SQL
def test_a_daemon_tick_requests_the_next_hour_early_and_reports_a_window_out_of_reach(
    world, monkeypatch
):
    now = utcnow()
    next_hour = hour_floor(now) + timedelta(hours=1)
    midnight = _next_midnight(now)
    # Beyond the partitions' reach (the current hour and the next): the next midnight, or the
    # one after when the next hour is itself midnight.
    far = midnight if midnight > next_hour else midnight + timedelta(days=1)
    _post_at(world, FB, now + timedelta(seconds=30))
    _post_at(world, FB, next_hour + timedelta(seconds=10))  # just after the hour boundary
    far_id = _post_at(world, FB, far + timedelta(seconds=10))  # just after a day boundary
    # A lead that reaches all three: each is "due within the lead" now.
    lead = (far + timedelta(seconds=60) - now).total_seconds()
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", str(lead))

    with (
        DagsterInstance.get() as instance,
        create_test_daemon_workspace_context(
            WorkspaceFileTarget([str(REPO / "workspace.yaml")]), instance
        ) as context,
    ):
        # One iteration of the sensor daemon: the code server evaluates the tick, the daemon
        # submits its requests to the run queue, and the tick is recorded.
        list(execute_sensor_iteration(context, logging.getLogger("test"), None, None))
        [tick] = _sensor_ticks(instance, context)
        runs = instance.get_runs(RunsFilter(job_name="publish_facebook"))
        log = _tick_log(instance, tick)

    assert tick.status == TickStatus.SUCCESS, tick.error
    requested = {r.tags["dagster/partition"] for r in runs}
    assert requested == {partition_key(hour_floor(now)), partition_key(next_hour)}
    assert all(r.tags["socialsched/trigger"] == "sensor" for r in runs)
    # The job's run tags reach the runs: first in the queue, ended when stuck.
    assert all(r.tags["dagster/priority"] == "10" and r.tags["dagster/max_runtime"] for r in runs)
    assert f"facebook {partition_key(far)}" in log, log
    assert world.statuses()[far_id] == "scheduled"  # waits for its window to come in reach


def test_the_first_window_of_a_day_is_requested_before_midnight(world, monkeypatch):
    """Dagster's clock set 30 s before the next midnight (its partition loading context, which
    both the sensor and Dagster's key validation read): the 00:00 window is requested then."""
    now = utcnow()
    midnight = _next_midnight(now)
    _post_at(world, IG, midnight + timedelta(seconds=10))
    lead = (midnight + timedelta(seconds=60) - now).total_seconds()
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", str(lead))
    defs = build_definitions()
    sensor = defs.resolve_sensor_def("due_posts_sensor")
    repo = defs.get_repository_def()
    with (
        DagsterInstance.get() as instance,
        partition_loading_context(effective_dt=midnight - timedelta(seconds=30)),
        build_sensor_context(instance=instance, repository_def=repo, resources=defs.resources) as c,
    ):
        result = sensor.evaluate_tick(c)  # what the code server runs: resolves and validates
    assert [r.partition_key for r in result.run_requests] == [partition_key(midnight)]
    assert result.run_requests[0].tags["dagster/partition"] == partition_key(midnight)


def test_the_safety_schedule_requests_several_windows_in_one_tick(world, monkeypatch):
    """Two uncovered windows of one platform at once (the current one, and the next hour's as
    its boundary approaches) both get a run, through the schedule's own evaluation."""
    now = utcnow()
    next_hour = hour_floor(now) + timedelta(hours=1)
    _post_at(world, FB, now + timedelta(seconds=30))
    _post_at(world, FB, next_hour + timedelta(seconds=5))
    lead = (next_hour + timedelta(seconds=30) - now).total_seconds()
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", str(lead))
    defs = build_definitions()
    schedule = defs.resolve_schedule_def("publish_facebook_safety")
    with (
        DagsterInstance.get() as instance,
        build_schedule_context(
            instance=instance,
            scheduled_execution_time=now,
            repository_def=defs.get_repository_def(),
            resources=defs.resources,
        ) as context,
    ):
        result = schedule.evaluate_tick(context)
    keys = sorted(r.partition_key for r in result.run_requests)
    assert keys == sorted([partition_key(hour_floor(now)), partition_key(next_hour)])
    assert all(r.tags["socialsched/trigger"] == "schedule" for r in result.run_requests)


def test_a_window_before_the_partitions_start_is_reported_and_the_rest_requested(
    world, monkeypatch, capfd
):
    """A target whose window precedes the partitions' start (only a stale cutoff of months lets
    one be due): the sensor says so, and the current window still gets its run."""
    now = utcnow()
    old_id = _post_at(world, FB, datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", "60")
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_STALE_AFTER_S", str(400 * 86400))
    defs = build_definitions()
    sensor = defs.resolve_sensor_def("due_posts_sensor")
    repo = defs.get_repository_def()
    with DagsterInstance.get() as instance:
        with build_sensor_context(
            instance=instance, repository_def=repo, resources=defs.resources
        ) as c:
            alone = sensor.evaluate_tick(c)
        _post_at(world, FB, now + timedelta(seconds=30))
        with build_sensor_context(
            instance=instance, repository_def=repo, resources=defs.resources
        ) as c:
            both = sensor.evaluate_tick(c)
    assert alone.run_requests == []
    assert "not a partition (yet): facebook 2025-12-31-23:00 (1 target(s))" in alone.skip_message
    assert [r.partition_key for r in both.run_requests] == [partition_key(hour_floor(now))]
    assert "facebook 2025-12-31-23:00" in capfd.readouterr().err  # the tick's log
    assert world.statuses()[old_id] == "scheduled"
