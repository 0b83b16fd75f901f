"""The daemon serves publishing first, on both instance files: sensors and schedules in threads,
publishing runs first in the queue and ended when stuck, run monitoring able to fail a run whose
node died (the launcher's heartbeat check)."""

from pathlib import Path

import pytest
import yaml

from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.run_tags import MAX_RUNTIME_TAG, PRIORITY_TAG
from socialsched_dagster.publishing.settings import PublishSettings

REPO = Path(__file__).resolve().parents[2]
INSTANCE_FILES = ["dagster.yaml", "deploy/dagster.production.yaml"]


def _priority(job: str) -> int:
    return int(defs.resolve_job_def(job).run_tags.get(PRIORITY_TAG, "0"))


def test_publishing_runs_are_dequeued_first_and_have_a_maximum_runtime():
    publishing = [f"publish_{p.value}" for p in Platform]
    others = [
        j.name
        for j in defs.resolve_all_job_defs()
        if j.name not in publishing and not j.name.startswith("__")
    ]
    assert {"refresh_tokens", "health_checks"} <= set(others)
    for job in publishing:
        assert _priority(job) > _priority("refresh_tokens") > 0
        assert all(_priority(job) > _priority(o) for o in others)
        runtime = int(defs.resolve_job_def(job).run_tags[MAX_RUNTIME_TAG])
        # Longer than a window plus the stale cutoff (the last post of a window may be retried
        # that long), and not much more: past it nothing in the window can go out by itself.
        assert 3600 + PublishSettings().stale_after_s < runtime < 4 * 3600
    assert _priority("health_checks") == 0
    for job in ("refresh_tokens", "health_checks"):
        assert int(defs.resolve_job_def(job).run_tags[MAX_RUNTIME_TAG]) <= 3600


@pytest.mark.parametrize("path", INSTANCE_FILES)
def test_the_instance_evaluates_sensors_in_threads_and_monitors_runs(path):
    config = yaml.safe_load((REPO / path).read_text())
    sensors = defs.get_repository_def().sensor_defs
    assert config["sensors"]["use_threads"] is True
    assert config["sensors"]["num_workers"] >= len(sensors)  # none waits for another's thread
    assert config["schedules"]["use_threads"] is True
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert monitoring["max_resume_run_attempts"] == 0  # DefaultRunLauncher cannot resume
    assert monitoring["free_slots_after_run_end_seconds"] > 0  # dead runs' pool slots return
    assert monitoring["poll_interval_seconds"] <= 60
    assert config["run_launcher"] == {
        "module": "socialsched_dagster.pipeline.run_launcher",
        "class": "HeartbeatRunLauncher",
    }


def test_the_embedded_instance_loads_the_heartbeat_launcher(tmp_path, monkeypatch):
    from dagster import DagsterInstance

    from socialsched_dagster.pipeline.run_launcher import HeartbeatRunLauncher

    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as instance:
        assert isinstance(instance.run_launcher, HeartbeatRunLauncher)
        assert instance.run_launcher.supports_check_run_worker_health
        assert instance.run_monitoring_enabled
        assert instance.get_settings("sensors")["use_threads"] is True


@pytest.mark.parametrize("path", INSTANCE_FILES)
def test_other_lanes_never_hold_the_slots_publishing_needs_at_an_hour_boundary(path):
    """At an hour boundary every platform starts its next window's run while the last one
    drains: 2 runs per platform. Health checks and token refreshes are capped by their lane, so
    the rest of the slots are always there for publishing (a bench run saw X's and LinkedIn's
    runs start a minute late when a health check held the 8th of 8 slots)."""
    from socialsched_dagster.pipeline.run_tags import LANE_TAG

    runs = yaml.safe_load((REPO / path).read_text())["concurrency"]["runs"]
    lanes = {
        limit["value"]: limit["limit"]
        for limit in runs["tag_concurrency_limits"]
        if limit["key"] == LANE_TAG
    }
    jobs = [j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")]
    for job in jobs:
        lane = job.run_tags[LANE_TAG]
        assert (lane == "publishing") == job.name.startswith("publish_"), job.name
        assert lane == "publishing" or lane in lanes, f"{job.name}: lane {lane} has no cap"
    assert runs["max_concurrent_runs"] >= 2 * len(Platform) + sum(lanes.values())


def test_the_embedded_instance_applies_the_lane_limits(tmp_path, monkeypatch):
    from dagster import DagsterInstance

    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as instance:
        # What the run queue daemon reads (not the coordinator object's own defaults).
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs >= 2 * len(Platform)
        assert {"key": "socialsched/lane", "value": "upkeep", "limit": 2} in (
            queue.tag_concurrency_limits
        )
