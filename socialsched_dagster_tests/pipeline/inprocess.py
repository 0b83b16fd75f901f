"""Publishing runs in the test process, against the sandbox over HTTP (no process start per run):

- `window_run`: the real WindowRun, clients, guard and refresher, as the asset builds them;
- `execute_window`: the platform's publishing job itself (the asset, its resources read from the
  environment, the window check, the Dagster instance of DAGSTER_HOME), executed in process as the
  run worker executes it. For tests about publishing, not about processes: a `dagster job
  execute` process costs seconds of imports per run (tests of kills, signals and concurrent
  runs use `World.run`).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from dagster import DagsterInstance

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.definitions import build_definitions
from socialsched_dagster.pipeline.partitions import partition_key
from socialsched_dagster.pipeline.resources.platforms import PlatformsResource
from socialsched_dagster.pipeline.resources.publishing import publishing_config_from_env
from socialsched_dagster.pipeline.resources.redis import RedisResource
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.publishing.jobs import load_job
from socialsched_dagster.publishing.window_run import WindowRun
from socialsched_dagster.store import database
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import PostTarget
from socialsched_dagster.store.publishing import Claim, Window
from socialsched_dagster.store.publishing import claim as claim_targets


def resources() -> PlatformsResource:
    return PlatformsResource(redis=RedisResource())


def window_run(
    world,
    platform: Platform,
    *,
    run_id: str = "run-1",
    backfill=False,
    due: datetime | None = None,
    **settings,
) -> WindowRun:
    """A run over the window of `due` (default: the world's last scheduled posts)."""
    platforms = resources()
    start = hour_floor(due or world.last_due)
    base = publishing_config_from_env().settings()
    return WindowRun(
        world.db,
        platforms.cipher(),
        platforms.client(platform),
        Window(platform.value, start, start + timedelta(hours=1)),
        run_id,
        replace(base, **settings),
        backfill=backfill,
        refresher=platforms.refresher(world.db),
    )


def execute_window(
    world, platform: Platform, *, trigger: str | None = "sensor", partition: str | None = None
) -> tuple[bool, str]:
    """Execute `publish_<platform>` for the window of the world's last scheduled posts, tagged
    as `World.run` tags its run. Returns whether the run succeeded and what a run process would
    have printed: the run's whole event log (its own messages and Dagster's events) and, after
    it, the Python warnings logged meanwhile. Definitions are built afresh: they read
    SOCIALSCHED_* from the environment, as a run process does at its start."""
    key = partition or partition_key(hour_floor(world.last_due))
    tags = {"socialsched/trigger": trigger} if trigger else {}
    job = build_definitions().resolve_job_def(f"publish_{platform.value}")
    try:
        with DagsterInstance.get() as instance, _python_log() as python_log:
            result = job.execute_in_process(
                instance=instance, partition_key=key, tags=tags, raise_on_error=False
            )
            run_log = [
                f"{logging.getLevelName(e.level)} {e.user_message}"
                for e in instance.all_logs(result.run_id)
            ]
    finally:
        _dispose_engines(world.db.url)
    return result.success, "\n".join(run_log + python_log)


@contextmanager
def _python_log():
    """Lines logged through `logging` while the block runs, at the levels the root logger lets
    through (a run process prints the same ones to its stderr)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lines
    finally:
        root.removeHandler(handler)


def _dispose_engines(url: str) -> None:
    """The run's engines are kept per process (store.database.get_database); a run process
    closes them on exit, here they are closed after the run: no connection outlives the test's
    database (a pooled one would hold up its TRUNCATE or DROP)."""
    for (engine_url, _options), db in list(database._registry.items()):
        if engine_url == url:
            db.dispose()


def claim_one(world, platform: Platform, run_id: str, *, backfill=True) -> Claim:
    """Claim the world's one target of `platform` for `run_id`, as a run's claim loop does."""
    now = world.db.now()
    start = hour_floor(world.last_due)
    window = Window(platform.value, start, start + timedelta(hours=1))
    settings = publishing_config_from_env().settings()
    (claim,) = world.db.transaction(
        lambda s: claim_targets(
            s, window, run_id=run_id, now=now, claim_ahead=settings.claim_ahead + (
                world.last_due - now), lease=settings.lease,
            stale_before=now - settings.stale_after, limit=1, backfill=backfill,
        )
    )  # fmt: skip
    return claim


def send_as_an_earlier_attempt(world, platform: Platform, target_id: int) -> str:
    """What an earlier attempt whose answer never came back did: the real client's prepare and
    publish calls reached the platform. Returns the container id it used (or '')."""
    platforms = resources()
    client = platforms.client(platform)
    with world.db.session() as s:
        target = s.get(PostTarget, target_id)
        fake_claim = Claim(
            target.id, target.post_id, target.account_id, target.due_at, target.due_at,
            target.status, target.attempts, target.container_id, False,
        )  # fmt: skip
        context = load_job(s, platforms.cipher(), fake_claim, platform)
    job: PublishJob = context.job
    container = client.prepare(job)
    client.publish(job, container)
    return container or ""


def mark_maybe_sent(world, target_id: int, container: str = "") -> None:
    """The row as the fence and an unknown outcome leave it: scheduled, may have been sent."""
    with world.db.session() as s, s.begin():
        target = s.get(PostTarget, target_id)
        target.status = "scheduled"
        target.maybe_sent_at = world.db.now()
        target.error_kind = "unknown_outcome"
        target.error_message = "no answer after sending"
        target.container_id = container or None
        target.lease_owner = target.lease_until = None
