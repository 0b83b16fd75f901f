"""What the Dagster UI shows of a publishing window: a failed post on its own hour, progress in
the log of a run still running, and a calendar where an hour without posts is not "Missing".

The UI's views are read through Dagster's GraphQL API on the real code location, the queries the
UI itself makes (asset partition statuses and stats, the check's partition statuses).
"""

import json
import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    PartitionKeyRange,
    RunsFilter,
    SensorResult,
    build_sensor_context,
)
from dagster._core.test_utils import in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster_graphql.test.utils import execute_dagster_graphql

from socialsched_dagster.alerts.feed import collect_check_alerts
from socialsched_dagster.alerts.state import FAILING, AlertCursor
from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.partitions import HOURLY, partition_key
from socialsched_dagster.pipeline.run_planning import plan
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import PostTarget, utcnow

from .conftest import DAGSTER, REPO, finish, wait_for
from .inprocess import execute_window

IG, FB = Platform.INSTAGRAM, Platform.FACEBOOK
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
WINDOW_CHECK = "window_published"

UI_QUERY = """
query Window($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      partitionStats { numMaterialized numPartitions numFailed numMaterializing }
      assetPartitionStatuses {
        ... on TimePartitionStatuses { ranges { startKey endKey status } }
      }
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            partitionStatuses {
              ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } }
            }
          }
        }
      }
    }
  }
}
"""


def ui(platform: Platform) -> dict:
    """The asset page of `<platform>_posts` as the UI loads it."""
    origin = LoadableTargetOrigin(module_name="socialsched_dagster.definitions")
    with DagsterInstance.get() as instance, in_process_test_workspace(instance, origin) as ctx:
        result = execute_dagster_graphql(
            ctx, UI_QUERY, {"key": {"path": [f"{platform.value}_posts"]}}
        )
    return result.data["assetNodeOrError"]


def by_partition(ranges: list[dict]) -> dict[str, str]:
    out = {}
    for r in ranges:
        for key in HOURLY.get_partition_keys_in_range(
            PartitionKeyRange(r["startKey"], r["endKey"])
        ):
            out[key] = r["status"]
    return out


def window_check_statuses(node: dict) -> dict[str, str]:
    (check,) = [c for c in node["assetChecksOrError"]["checks"] if c["name"] == WINDOW_CHECK]
    return by_partition(check["partitionStatuses"]["ranges"])


def latest_window_evaluation(instance, platform: Platform, key: str):
    check = AssetCheckKey(AssetKey(f"{platform.value}_posts"), WINDOW_CHECK)
    history = instance.event_log_storage.get_asset_check_execution_history(check, limit=100)
    return next(r for r in history if r.partition == key and r.evaluation is not None)


class CalendarTicker:
    """The calendar sensor evaluated tick after tick as the daemon does: each tick gets the
    previous cursor, and the daemon stores the asset events the tick returns."""

    def __init__(self):
        self.cursor = None
        self.sensor = defs.resolve_sensor_def("window_calendar_sensor")

    def __call__(self) -> list:
        with DagsterInstance.get() as instance:
            with build_sensor_context(
                instance=instance, cursor=self.cursor, resources=defs.resources
            ) as context:
                result = self.sensor(context)
                self.cursor = context.cursor
            events = result.asset_events if isinstance(result, SensorResult) else []
            for event in events:
                instance.report_runless_asset_event(event)
        return events


# -- a failed post is visible on its window -----------------------------------------------------


@ON_POSTGRESQL
def test_a_window_with_a_permanently_failed_post_fails_on_that_window_naming_it(world):
    # 2,300 characters: the platform refuses it for good (a 400 with its own message).
    (bad,) = world.schedule(IG, 1, due_in_s=2, text="x" * 2300)
    (good,) = world.schedule(IG, 1, due_in_s=2)
    key = partition_key(hour_floor(world.last_due))
    ok, out = execute_window(world, IG)
    assert ok, out  # the run did its job; the post's failure is the window's
    assert world.statuses() == {bad: "failed", good: "published"}
    (failed,) = [t for t in world.targets() if t.id == bad]

    # The asset's Checks tab > window_published > Partitions: this hour reads Failed.
    node = ui(IG)
    assert window_check_statuses(node)[key] == "FAILED"
    assert by_partition(node["assetPartitionStatuses"]["ranges"])[key] == "MATERIALIZED"

    # One click on the hour: the post, its account and the platform's own words.
    with DagsterInstance.get() as instance:
        record = latest_window_evaluation(instance, IG, key)
        ev = record.evaluation
        assert not ev.passed and ev.severity is AssetCheckSeverity.ERROR
        assert f"target {bad} (post {failed.post_id}, @test_instagram" in ev.description
        assert "The caption is too long" in ev.description
        assert ev.metadata["failed"].value == 1 and ev.metadata["published"].value == 1
        table = ev.metadata["posts"].value
        assert f"| {bad} | {failed.post_id} | @test_instagram |" in table
        assert "The caption is too long" in table and "2,200 characters" in table

        # The run's own log says so as it happens, at ERROR level (the log's error filter).
        errors = [e.user_message for e in instance.all_logs(record.run_id) if e.level >= 40]
        assert any(f"target {bad} " in m and "The caption is too long" in m for m in errors)

        # The alert sensor announces the window once; a later run of the same window, which
        # finds the post still failed, is no new alert (never an alert per run).
        keys = defs.resolve_asset_graph().asset_check_keys
        cursor = AlertCursor()
        first = [a for a in collect_check_alerts(instance, keys, cursor) if key in a.subject]
    ok, out = execute_window(world, IG, partition=key)
    assert ok, out
    with DagsterInstance.get() as instance:
        again = [a for a in collect_check_alerts(instance, keys, cursor) if key in a.subject]
        assert latest_window_evaluation(instance, IG, key).run_id != record.run_id
    assert [a.kind for a in first] == [FAILING] and again == []


# -- progress while the run is running ----------------------------------------------------------


def _seconds_left_in_hour() -> float:
    now = utcnow()
    return (hour_floor(now) + timedelta(hours=1) - now).total_seconds()


@ON_SQLITE
def test_a_running_run_logs_each_result_to_its_event_log_as_it_goes(world):
    if _seconds_left_in_hour() < 40:  # both posts must fall in one window
        time.sleep(_seconds_left_in_hour() + 1)
    (first,) = world.schedule(FB, 1, due_in_s=3)
    (later,) = world.schedule(FB, 1, due_in_s=min(35.0, _seconds_left_in_hour() - 2))
    # The run stays up for the later post: it must not exit as idle in between.
    proc = world.run(FB, wait=False, extra_env={"SOCIALSCHED_PUBLISH_IDLE_EXIT_S": "120"})
    try:
        assert wait_for(lambda: world.statuses()[first] == "published", timeout=60)
        with DagsterInstance.get() as instance:
            (run,) = instance.get_runs(
                RunsFilter(job_name="publish_facebook", statuses=[DagsterRunStatus.STARTED])
            )

            def logged() -> bool:
                messages = [e.user_message for e in instance.all_logs(run.run_id)]
                return any(f"1 published (target {first}," in m for m in messages)

            assert wait_for(logged, timeout=10, interval=0.2), "no progress in the event log"
            assert instance.get_run_by_id(run.run_id).status is DagsterRunStatus.STARTED
        assert world.statuses()[later] == "scheduled"  # the run is still waiting for it
        proc.send_signal(signal.SIGTERM)
        code, out = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, out


# -- the calendar -------------------------------------------------------------------------------


@ON_SQLITE
def test_elapsed_hours_without_posts_read_as_done_on_the_calendar(world):
    present = hour_floor(utcnow())
    busy = present - timedelta(hours=5)
    ids = world.schedule(FB, 1, due_in_s=3600)
    with world.db.session() as s, s.begin():  # a post of that hour, published by its run
        target = s.get(PostTarget, ids[0])
        target.due_at = busy + timedelta(minutes=20)
        target.status, target.published_at = "published", target.due_at
    tick = CalendarTicker()
    tick()
    if hour_floor(utcnow()) != present:
        pytest.skip("an hour boundary passed during the tick")
    node = ui(FB)
    statuses = by_partition(node["assetPartitionStatuses"]["ranges"])
    done = {k for k, status in statuses.items() if status == "MATERIALIZED"}
    week = [present - timedelta(hours=h) for h in range(1, 73)]  # the last 72 hours, elapsed
    assert done == {partition_key(h) for h in week} - {partition_key(busy)}
    # The busy hour is its run's to report; the present hour has not ended yet.
    assert partition_key(busy) not in statuses and partition_key(present) not in statuses
    assert node["partitionStats"]["numFailed"] == 0
    assert node["partitionStats"]["numMaterialized"] == 71

    # Each tick reaches further back into history, newest first, until the partitions' start.
    tick()
    assert ui(FB)["partitionStats"]["numMaterialized"] == 71 + 72
    assert json.loads(tick.cursor)["backward"] == (present - timedelta(hours=144)).isoformat()


@ON_POSTGRESQL
def test_a_window_whose_posts_were_missed_without_any_run_fails_on_that_window(world):
    """Publishing was down for the hour: no run ever came, the due sensor's stale sweep marked
    the post missed. The calendar sensor gives that hour its failing verdict."""
    (missed,) = world.schedule(FB, 1, due_in_s=3600)
    due = hour_floor(utcnow()) - timedelta(hours=3) + timedelta(minutes=10)
    with world.db.session() as s, s.begin():
        s.get(PostTarget, missed).due_at = due
    planned = plan(world.db, lead=timedelta(seconds=45), stale_after=timedelta(hours=2))
    assert planned.missed == 1
    key = partition_key(hour_floor(due))
    events = CalendarTicker()()
    assert [e.partition for e in events if getattr(e, "check_name", None)] == [key]
    node = ui(FB)
    assert window_check_statuses(node)[key] == "FAILED"
    # Not reported done: its post did not go out (a backfill of the hour publishes it).
    assert key not in by_partition(node["assetPartitionStatuses"]["ranges"])
    with DagsterInstance.get() as instance:
        ev = latest_window_evaluation(instance, FB, key).evaluation
    assert f"target {missed} " in ev.description and "missed" in ev.description
    assert "not published before the stale cutoff" in ev.metadata["posts"].value


@ON_SQLITE
def test_a_backfill_over_several_hours_judges_each_hour(world):
    """A single-run backfill of a range: a check result cannot name its hour, so the run reports
    one verdict per hour of its range."""
    (failed,) = world.schedule(FB, 1, due_in_s=3600)
    first = hour_floor(utcnow()) - timedelta(hours=4)
    with world.db.session() as s, s.begin():  # refused by the platform at its time
        target = s.get(PostTarget, failed)
        target.due_at, target.status = first + timedelta(minutes=5), "failed"
        target.error_kind, target.error_message = "validation", "(#100) Invalid parameter"
    last = first + timedelta(hours=2)
    tags = {
        "dagster/asset_partition_range_start": partition_key(first),
        "dagster/asset_partition_range_end": partition_key(last),
        "socialsched/trigger": "backfill",
    }
    cmd = [DAGSTER, "job", "execute", "-m", "socialsched_dagster.definitions",
           "-j", "publish_facebook", "--tags", json.dumps(tags)]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO, env={**os.environ, **world.env}, capture_output=True,
                          text=True, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    hours = [partition_key(first + timedelta(hours=h)) for h in range(3)]
    node = ui(FB)
    assert [window_check_statuses(node).get(k) for k in hours] == [
        "FAILED", "SUCCEEDED", "SUCCEEDED",
    ]  # fmt: skip
    assert all(by_partition(node["assetPartitionStatuses"]["ranges"])[k] == "MATERIALIZED"
               for k in hours)  # fmt: skip
    with DagsterInstance.get() as instance:
        ev = latest_window_evaluation(instance, FB, hours[0]).evaluation
    assert f"target {failed} " in ev.description and "(#100) Invalid parameter" in ev.description
