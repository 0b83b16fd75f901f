"""A dead run never blocks its window: coverage comes from the runs' heartbeats in the app
database, and Dagster's run monitoring (with the instance's launcher) fails a STARTED run whose
heartbeat went silent and gives its pool slot back. The real-daemon drill is in
test_daemon_serves_publishing.py; here the same decisions are taken in process."""

import logging
from datetime import timedelta

from dagster import DagsterEvent, DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.remote_origin import (
    ManagedGrpcPythonEnvCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.test_utils import create_run_for_test, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import EmptyWorkspaceTarget
from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration
from dagster._daemon.monitoring.run_monitoring import execute_run_monitoring_iteration
from dagster._time import get_current_datetime, get_current_timestamp

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.definitions import build_definitions
from socialsched_dagster.pipeline.partitions import partition_key
from socialsched_dagster.pipeline.run_launcher import HeartbeatRunLauncher
from socialsched_dagster.store import run_heartbeats
from socialsched_dagster.store.due import hour_floor

IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE
LEASE = timedelta(seconds=6)  # SOCIALSCHED_PUBLISH_LEASE_S in the pipeline fixtures


def _dagster_run(instance, platform, status, *, started_ago_s=0.0):
    """A run of the platform's job for the current window, as Dagster records it: created, and
    for STARTED the run worker's start event (stamped `started_ago_s` ago)."""
    key = partition_key(hour_floor(get_current_datetime()))
    queued = status == DagsterRunStatus.QUEUED
    job = f"publish_{platform.value}"
    run = create_run_for_test(
        instance,
        job_name=job,
        status=DagsterRunStatus.QUEUED if queued else DagsterRunStatus.STARTING,
        tags={"dagster/partition": key},
        remote_job_origin=_origin(job),
    )
    if status == DagsterRunStatus.STARTED:
        event = DagsterEvent(DagsterEventType.RUN_START.value, job_name=run.job_name)
        at = get_current_timestamp() - started_ago_s
        instance.report_dagster_event(event, run.run_id, timestamp=at)
    return run


def _origin(job: str) -> RemoteJobOrigin:
    """Where the run's job comes from: the code location of workspace.yaml."""
    location = ManagedGrpcPythonEnvCodeLocationOrigin(
        LoadableTargetOrigin(module_name="socialsched_dagster.definitions"),
        location_name="socialsched_dagster",
    )
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, "__repository__"), job)


def _beat(db, run, platform, *, alive_for: timedelta):
    """The run's heartbeat, renewed until now + alive_for (negative: it stopped beating)."""
    now = db.now()
    window = hour_floor(now)
    db.transaction(
        lambda s: run_heartbeats.beat(
            s, run.run_id, platform.value, window, now - LEASE, now + alive_for
        )
    )


def _sensor_requests(defs, instance):
    from dagster import build_sensor_context

    sensor = defs.resolve_sensor_def("due_posts_sensor")
    with build_sensor_context(
        instance=instance, repository_def=defs.get_repository_def(), resources=defs.resources
    ) as context:
        return sensor.evaluate_tick(context)


def test_a_window_is_covered_only_while_a_run_of_it_lives(world, monkeypatch):
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", "60")
    for platform in (IG, FB, YT):
        world.schedule(platform, 2, due_in_s=20)
    defs = build_definitions()
    with DagsterInstance.get() as instance:
        # STARTED in Dagster, but its heartbeat ran out: it died with its node.
        dead = _dagster_run(instance, FB, DagsterRunStatus.STARTED, started_ago_s=120)
        _beat(world.db, dead, FB, alive_for=-LEASE)
        # STARTED and beating.
        live = _dagster_run(instance, IG, DagsterRunStatus.STARTED, started_ago_s=120)
        _beat(world.db, live, IG, alive_for=LEASE)
        # Queued: it will start in priority order; another request would queue behind it.
        _dagster_run(instance, YT, DagsterRunStatus.QUEUED)
        result = _sensor_requests(defs, instance)
    assert [r.job_name for r in result.run_requests] == ["publish_facebook"]


def test_a_run_that_never_beat_covers_its_window_only_while_it_may_still_be_starting(
    world, monkeypatch
):
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", "60")
    for platform in (IG, FB):
        world.schedule(platform, 2, due_in_s=20)
    defs = build_definitions()
    with DagsterInstance.get() as instance:
        # Started a second ago: its asset code has not begun yet.
        _dagster_run(instance, IG, DagsterRunStatus.STARTED, started_ago_s=1)
        # Started two minutes ago and never beat: it died before its first beat.
        _dagster_run(instance, FB, DagsterRunStatus.STARTED, started_ago_s=120)
        result = _sensor_requests(defs, instance)
    assert [r.job_name for r in result.run_requests] == ["publish_facebook"]


def test_run_monitoring_fails_a_silent_run_and_gives_its_pool_slot_back(world):
    """Dagster's monitoring daemon iteration, with the instance from the project's
    dagster.yaml: the launcher's health check reads the heartbeats."""
    pool = "publish_facebook"
    with (
        DagsterInstance.get() as instance,
        WorkspaceProcessContext(instance, EmptyWorkspaceTarget()) as workspace,
    ):
        assert isinstance(instance.run_launcher, HeartbeatRunLauncher)
        silent = _dagster_run(instance, FB, DagsterRunStatus.STARTED, started_ago_s=60)
        _beat(world.db, silent, FB, alive_for=-2 * LEASE)  # one lease past its expiry
        alive = _dagster_run(instance, FB, DagsterRunStatus.STARTED, started_ago_s=60)
        _beat(world.db, alive, FB, alive_for=LEASE)
        # A run without heartbeats (a health-check run, say): nothing to judge it by.
        other = _dagster_run(instance, IG, DagsterRunStatus.STARTED, started_ago_s=60)
        # The dead run holds one of the platform's two slots, as a killed run does.
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(pool)
        assert storage.claim_concurrency_slot(pool, silent.run_id, "facebook_posts").is_claimed

        list(execute_run_monitoring_iteration(workspace, logging.getLogger("test")))

        status = [instance.get_run_by_id(r.run_id).status for r in (silent, alive, other)]
        assert status == [
            DagsterRunStatus.FAILURE,  # silent
            DagsterRunStatus.STARTED,  # beating
            DagsterRunStatus.STARTED,  # nothing to judge by
        ]
        failure = instance.all_logs(silent.run_id, of_type=DagsterEventType.RUN_FAILURE)
        assert "no heartbeat since" in "".join(e.message for e in failure)
        # free_slots_after_run_end_seconds later, the monitoring daemon frees the slot.
        later = get_current_datetime() + timedelta(seconds=60)
        with freeze_time(later):
            list(execute_concurrency_slots_iteration(workspace, logging.getLogger("test")))
        holders = {s.run_id for s in storage.get_concurrency_info(pool).claimed_slots}
        assert silent.run_id not in holders
