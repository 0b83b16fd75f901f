"""Engine construction: the per-dialect settings that make the app DB safe under concurrency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url

from .transient import is_connection_loss

# Execution option marking a transaction that only reads (see _on_begin).
READ_ONLY_OPTION = "socialsched_read_only"


@dataclass(frozen=True)
class EngineOptions:
    pool_size: int = 5
    max_overflow: int = 10
    pool_pre_ping: bool = True
    pool_recycle_s: int = 1800
    # PostgreSQL: no statement may hold locks or a connection longer than this.
    statement_timeout_ms: int = 30_000
    # PostgreSQL: give up a connect after this long (libpq waits forever by default, so a host
    # that stops answering during a failover would hang the caller instead of retrying).
    connect_timeout_s: int = 10
    # SQLite: how long a writer waits for another writer's lock before giving up.
    sqlite_busy_timeout_ms: int = 15_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_app_engine(url: str, options: EngineOptions = EngineOptions()) -> Engine:
    if is_sqlite(url):
        return _sqlite_engine(url, options)
    engine = create_engine(
        url,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_pre_ping=options.pool_pre_ping,
        pool_recycle=options.pool_recycle_s,
        connect_args={
            "options": f"-c statement_timeout={options.statement_timeout_ms}",
            "connect_timeout": options.connect_timeout_s,
        },
    )

    @event.listens_for(engine, "handle_error")
    def _discard_dead_connections(ctx: ExceptionContext):
        # SQLAlchemy invalidates a connection only for the messages its dialect knows; a restart
        # also produces others ("no connection to the server", 57P0x/08xxx). Marked as a
        # disconnect, the connection is thrown away (and with it the rest of the pool, which a
        # restart killed too) instead of going back to the pool to fail the retry; a failed
        # pre-ping is then answered with a new connection rather than the error.
        error = ctx.sqlalchemy_exception
        if not ctx.is_disconnect and error is not None and is_connection_loss(error):
            ctx.is_disconnect = True

    return engine


def _sqlite_engine(url: str, options: EngineOptions) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_pre_ping=options.pool_pre_ping,
        # Autocommit at the driver; we issue BEGIN ourselves (below).
        connect_args={"timeout": options.sqlite_busy_timeout_ms / 1000, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer, so the sensor can read while a run records.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(options.sqlite_busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that reads and
        # then writes can fail at once with SQLITE_BUSY (busy_timeout does not apply to lock
        # upgrades), which under concurrent runs would surface as random failures. A
        # transaction declared read-only never writes, so it reads its WAL snapshot without
        # queueing behind the writers of every other run.
        read_only = conn.get_execution_options().get(READ_ONLY_OPTION)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
