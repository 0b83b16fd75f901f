"""A PostgreSQL restart fails nothing: a publishing run that lives through one publishes every
target once, a few seconds late at most, and the sensors and checks evaluated while the server
is down wait for it instead of failing. The app database is a server of the test's own
(restarted for real); the platforms are the sandbox over HTTP; Redis is real."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from dagster import (
    AssetSelection,
    DagsterInstance,
    Definitions,
    RunRequest,
    SkipReason,
    build_sensor_context,
    define_asset_job,
)

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.assets.oauth_tokens import oauth_tokens
from socialsched_dagster.pipeline.assets.scheduled_posts import scheduled_posts
from socialsched_dagster.pipeline.checks.infrastructure_checks import due_query_latency
from socialsched_dagster.pipeline.checks.token_checks import TOKEN_CHECKS
from socialsched_dagster.pipeline.definitions import build_definitions
from socialsched_dagster.pipeline.partitions import partition_key
from socialsched_dagster.store import migrate
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import PublishAttempt, utcnow

from .conftest import wait_for

FB = Platform.FACEBOOK
DOWN_S = 3.0


@pytest.fixture
def db_url(postgres_server):
    """The app database on a server of this test's own: the shared one is never restarted."""
    db = Database(postgres_server.url)
    migrate.upgrade(db.engine)
    db.dispose()
    return postgres_server.url


def _clear_of_the_hour_end(needed_s: float) -> None:
    """Targets scheduled next must fall in one hourly window: wait out the end of this one."""
    now = utcnow()
    left = (hour_floor(now) + timedelta(hours=1) - now).total_seconds()
    if left < needed_s:
        time.sleep(left + 0.5)


class Restart:
    """The server restarted in the background; `start()` returns once it is down."""

    def __init__(self, server, down_s: float = DOWN_S):
        self.server, self.down_s = server, down_s
        self.began: datetime | None = None
        self.ended: datetime | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.began = utcnow()
        self.server.restart(self.down_s)
        self.ended = utcnow()

    def start(self) -> "Restart":
        self.thread.start()
        assert wait_for(lambda: not self.server.running, timeout=10, interval=0.01)
        return self

    def join(self) -> None:
        self.thread.join(30)
        assert self.ended is not None, "the server did not come back"


def test_a_restart_mid_run_publishes_every_target_once_and_fails_no_run(
    world, postgres_server, monkeypatch
):
    # Production leases (90 s) outlast a restart many times over; 6 s would be close to it.
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_LEASE_S", "30")
    _clear_of_the_hour_end(20)
    for due_in in (1.5, 3.0, 4.5, 6.0):  # due before, during and after the restart
        world.schedule(FB, 2, due_in_s=due_in)
    key = partition_key(hour_floor(world.last_due))
    restart = Restart(postgres_server)

    def restart_after_the_first_post():
        if wait_for(lambda: len(world.ledger()) >= 1, timeout=30, interval=0.05):
            restart.start()

    trigger = threading.Thread(target=restart_after_the_first_post, daemon=True)
    trigger.start()
    job = build_definitions().resolve_job_def(f"publish_{FB.value}")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key=key,
            tags={"socialsched/trigger": "sensor"},
            raise_on_error=False,
        )
    trigger.join(30)
    restart.join()
    failures = [e.message for e in result.all_events if e.is_failure]
    assert result.success, failures
    targets = world.targets()
    assert {t.status for t in targets} == {"published"}
    world.assert_exactly_once()
    with world.db.session() as s:
        assert {o for (o,) in s.query(PublishAttempt.outcome).distinct()} == {"published"}
    # Targets came due while the server was down; they went out once it was back.
    assert restart.began is not None and restart.ended is not None
    assert any(restart.began <= t.due_at <= restart.ended for t in targets)
    for target in targets:
        lateness = (target.published_at - target.due_at).total_seconds()
        assert lateness < DOWN_S + 5, (target.id, lateness)


def test_the_sensors_evaluated_during_a_restart_wait_for_the_database(
    world, postgres_server, monkeypatch
):
    monkeypatch.setenv("SOCIALSCHED_PUBLISH_SENSOR_LEAD_S", "60")
    _clear_of_the_hour_end(20)
    world.schedule(FB, 2, due_in_s=10)
    defs = build_definitions()
    restart = Restart(postgres_server).start()
    with DagsterInstance.get() as instance:
        with build_sensor_context(instance=instance, resources=defs.resources) as context:
            due = list(defs.resolve_sensor_def("due_posts_sensor")(context) or [])
        with build_sensor_context(instance=instance, resources=defs.resources) as context:
            tokens = defs.resolve_sensor_def("expiring_tokens_sensor")(context)
    restart.join()
    assert [(type(r), r.partition_key) for r in due] == [
        (RunRequest, partition_key(hour_floor(world.last_due)))
    ]
    assert isinstance(tokens, SkipReason) and "no token" in tokens.skip_message


def test_health_checks_evaluated_during_a_restart_pass(world, postgres_server):
    checks = [*TOKEN_CHECKS, due_query_latency]
    subset = Definitions(
        assets=[scheduled_posts, oauth_tokens],
        asset_checks=checks,
        jobs=[define_asset_job("checks_under_restart", AssetSelection.checks(*checks))],
        resources=build_definitions().resources,
    )
    job = subset.resolve_job_def("checks_under_restart")
    restart = Restart(postgres_server).start()
    result = job.execute_in_process(raise_on_error=False)
    restart.join()
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {c.check_key.name: True for c in checks}
