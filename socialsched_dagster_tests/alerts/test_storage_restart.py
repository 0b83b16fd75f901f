"""`check_alerts_sensor` when Dagster's own storage (PostgreSQL in production) restarts in the
middle of a tick: the tick skips instead of failing, and the alert goes out on the next tick,
once. Dagster's storage is a PostgreSQL server of the test's own, restarted for real."""

import threading
import time

import psycopg2
import pytest
from dagster import DagsterInstance, SkipReason
from sqlalchemy.engine import make_url

from .world import Ticker, headers, run_check

DOWN_S = 3.0


def wait_for(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def pg_instance(postgres_server, dagster_home, monkeypatch):
    url = postgres_server.create_database("dagster").replace("+psycopg2", "")
    (dagster_home / "dagster.yaml").write_text(f"storage:\n  postgres:\n    postgres_url: {url}\n")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with DagsterInstance.get() as instance:
        yield instance, url


def test_a_storage_restart_mid_tick_skips_the_tick_and_loses_no_alert(
    pg_instance, postgres_server, webhook
):
    instance, url = pg_instance
    tick = Ticker(instance)
    run_check(instance, True)
    tick()  # first sight: passing, nothing to say
    run_check(instance, False)  # the next tick must announce this
    # Hold the tick's first read in flight (behind a lock) so the restart lands mid-tick,
    # the way a restart meets a tick that is reading.
    u = make_url(url)
    locker = psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)
    locker.cursor().execute("LOCK TABLE asset_check_executions IN ACCESS EXCLUSIVE MODE")
    outcome: dict = {}

    def evaluate():
        try:
            outcome["result"] = tick()
        except Exception as exc:  # what the daemon would record as a failed tick
            outcome["error"] = exc

    ticking = threading.Thread(target=evaluate, daemon=True)
    ticking.start()

    # Its own connection, outside the locker's transaction: within one transaction the activity
    # view keeps showing what it showed first.
    watcher = psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)
    watcher.autocommit = True

    def tick_is_waiting() -> bool:
        with watcher.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            return cur.fetchone()[0] > 0

    assert wait_for(tick_is_waiting, timeout=20, interval=0.02)
    postgres_server.restart(DOWN_S)
    ticking.join(30)
    locker.close()
    watcher.close()
    assert "error" not in outcome, f"the tick failed: {outcome.get('error')!r}"
    skipped = outcome["result"]
    assert isinstance(skipped, SkipReason) and "storage unavailable" in skipped.skip_message
    assert headers(webhook) == []
    tick()  # the server is back: the change is read again, from the unchanged cursor
    tick()
    assert headers(webhook) == ["🔴 FAILING: thing_is_healthy on thing"]
