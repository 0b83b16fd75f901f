import logging
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from socialsched_dagster.store.database import Database, get_database
from socialsched_dagster.store.engine import EngineOptions


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}", EngineOptions(sqlite_busy_timeout_ms=1234))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_one_engine_per_process_and_configuration():
    url = "sqlite:///:memory:"
    assert get_database(url) is get_database(url)
    assert get_database(url) is not get_database(url, EngineOptions(pool_size=2))


def test_postgres_statement_timeout_stops_a_runaway_query(empty_pg_url):
    db = Database(empty_pg_url, EngineOptions(statement_timeout_ms=300))
    with pytest.raises(OperationalError, match="statement timeout"), db.engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(3)"))


def test_a_deadlock_is_retried_and_logged(empty_pg_url, caplog):
    db = Database(empty_pg_url)
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id int primary key, v int)"))
        conn.execute(text("INSERT INTO t VALUES (1, 0), (2, 0)"))
    both_locked_first = threading.Barrier(2, timeout=10)
    calls = {"a": 0, "b": 0}

    def work(first: int, second: int, name: str):
        def tx(session):
            calls[name] += 1
            session.execute(text("UPDATE t SET v = v + 1 WHERE id = :i"), {"i": first})
            if calls[name] == 1:  # only the first attempt meets the other in the middle
                both_locked_first.wait()
            session.execute(text("UPDATE t SET v = v + 1 WHERE id = :i"), {"i": second})

        return tx

    caplog.set_level(logging.WARNING)
    threads = [
        threading.Thread(target=db.transaction, args=(work(1, 2, "a"),), kwargs={"name": "a"}),
        threading.Thread(target=db.transaction, args=(work(2, 1, "b"),), kwargs={"name": "b"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT sum(v) FROM t")).scalar() == 4  # both committed
    # One of them ran again (on a loaded machine the retry can meet the other once more, and
    # is retried again): every extra run is a logged retry.
    assert calls["a"] + calls["b"] >= 3
    retries = [r for r in caplog.records if "deadlock, retrying" in r.getMessage()]
    assert len(retries) == calls["a"] + calls["b"] - 2
    db.dispose()


def test_a_dropped_connection_is_retried(empty_pg_url, caplog):
    db = Database(empty_pg_url)
    killer = Database(empty_pg_url)
    attempts = []

    def tx(session):
        attempts.append(1)
        if len(attempts) == 1:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
            with killer.engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        return session.execute(text("SELECT 42")).scalar()

    caplog.set_level(logging.WARNING)
    assert db.transaction(tx, name="drop test") == 42
    assert len(attempts) == 2
    assert any("connection dropped, retrying" in r.getMessage() for r in caplog.records)


def test_a_non_transient_error_is_not_retried(db):
    attempts = []

    def tx(session):
        attempts.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception, match="no_such_table"):
        db.transaction(tx)
    assert len(attempts) == 1


def test_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    db = Database(url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE c (n int)")
        conn.exec_driver_sql("INSERT INTO c VALUES (0)")

    def bump(session):
        n = session.execute(text("SELECT n FROM c")).scalar()
        session.execute(text("UPDATE c SET n = :n"), {"n": n + 1})

    threads = [
        threading.Thread(target=lambda: [db.transaction(bump) for _ in range(25)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with db.engine.connect() as conn:
        # Read-then-write under BEGIN IMMEDIATE: no lost update, no "database is locked".
        assert conn.execute(text("SELECT n FROM c")).scalar() == 100


def test_a_sqlite_read_only_transaction_does_not_queue_behind_a_writer(tmp_path):
    path = tmp_path / "reads.db"
    db = Database(f"sqlite:///{path}", EngineOptions(sqlite_busy_timeout_ms=200))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE c (n int)")
        conn.exec_driver_sql("INSERT INTO c VALUES (7)")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another run, holding the write lock
    try:
        read = db.transaction(
            lambda s: s.execute(text("SELECT n FROM c")).scalar(), read_only=True, attempts=1
        )
        assert read == 7
        with pytest.raises(OperationalError, match="locked"):
            db.transaction(lambda s: s.execute(text("SELECT n FROM c")).scalar(), attempts=1)
    finally:
        writer.rollback()
        writer.close()
