"""A PostgreSQL restart is waited out: transactions retry through every phase of it (sessions
cut off, connections turned away or refused, the server starting up) on a server of the test's
own, restarted for real."""

import logging
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from socialsched_dagster.store.database import Database

PASSWORD = "never-in-the-logs-7b1f"
DOWN_S = 3.0


def _with_password(url: str) -> str:
    # Trust authentication ignores it; it is here to prove no log line ever shows it.
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def _restart_in_background(server, down_s: float = DOWN_S) -> threading.Thread:
    thread = threading.Thread(target=server.restart, args=(down_s,), daemon=True)
    thread.start()
    return thread


def _wait_until_down(server, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while server.running:
        assert time.monotonic() < deadline, "the server did not stop"
        time.sleep(0.01)


def _log_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_a_transaction_started_while_the_server_is_down_waits_for_it(postgres_server, caplog):
    db = Database(_with_password(postgres_server.url))
    db.transaction(lambda s: s.execute(text("CREATE TABLE t (n int)")))
    caplog.set_level(logging.WARNING)
    restart = _restart_in_background(postgres_server)
    _wait_until_down(postgres_server)
    started = time.monotonic()
    db.transaction(lambda s: s.execute(text("INSERT INTO t VALUES (1)")), name="insert")
    waited = time.monotonic() - started
    restart.join(30)
    assert db.transaction(lambda s: s.execute(text("SELECT count(*) FROM t")).scalar()) == 1
    # The restart, plus at most one capped back-off sleep and the server's start.
    assert DOWN_S - 0.5 < waited < DOWN_S + 5, waited
    logs = _log_text(caplog)
    assert "insert: connection refused, retrying" in logs
    assert PASSWORD not in logs
    db.dispose()


def test_a_transaction_cut_off_by_a_restart_runs_again_and_commits_once(postgres_server, caplog):
    db = Database(_with_password(postgres_server.url))
    db.transaction(lambda s: s.execute(text("CREATE TABLE t (n int)")))
    for _ in range(3):  # idle pooled connections, all killed by the restart
        db.transaction(lambda s: s.execute(text("SELECT 1")))
    attempts = []

    def work(session):
        attempts.append(1)
        session.execute(text("INSERT INTO t VALUES (1)"))
        if len(attempts) == 1:  # in flight when the fast shutdown ends every session
            _restart_in_background(postgres_server)
            session.execute(text("SELECT pg_sleep(5)"))

    caplog.set_level(logging.WARNING)
    db.transaction(work, name="cut off")
    assert len(attempts) >= 2
    assert db.transaction(lambda s: s.execute(text("SELECT count(*) FROM t")).scalar()) == 1
    logs = _log_text(caplog)
    assert "cut off: connection dropped, retrying" in logs
    assert "cut off: database shutting down, retrying" in logs or "connection refused" in logs
    assert PASSWORD not in logs
    # The dead pooled connections were thrown away, not handed to later transactions.
    for _ in range(5):
        assert db.transaction(lambda s: s.execute(text("SELECT 1")).scalar()) == 1
    db.dispose()


def test_the_database_clock_is_read_across_a_restart(postgres_server):
    restart = _restart_in_background(postgres_server)
    _wait_until_down(postgres_server)
    db = Database(postgres_server.url)  # never measured: nothing to fall back on
    assert db.now() is not None
    restart.join(30)
    db.dispose()


def test_a_server_that_stays_down_fails_once_the_budget_is_spent(postgres_server):
    db = Database(postgres_server.url)
    postgres_server.stop()
    started = time.monotonic()
    with pytest.raises(OperationalError, match="refused"):
        db.transaction(lambda s: s.execute(text("SELECT 1")), retry_for_s=1.0)
    assert time.monotonic() - started < 3
    db.dispose()


def test_a_transaction_waits_out_a_crash_and_the_recovery_after_it(postgres_server):
    db = Database(postgres_server.url)
    db.transaction(lambda s: s.execute(text("CREATE TABLE t (n int)")))

    def crash_then_start():
        postgres_server.kill()  # SIGKILL: no shutdown, crash recovery at the next start
        time.sleep(1.0)
        postgres_server.start()

    crash = threading.Thread(target=crash_then_start, daemon=True)
    crash.start()
    _wait_until_down(postgres_server)
    db.transaction(lambda s: s.execute(text("INSERT INTO t VALUES (1)")))
    crash.join(30)
    assert db.transaction(lambda s: s.execute(text("SELECT count(*) FROM t")).scalar()) == 1
    db.dispose()
