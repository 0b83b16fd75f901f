"""Shared fixtures: the app database on SQLite and on a real PostgreSQL, Redis real or embedded.

PostgreSQL and Redis are used when reachable (SOCIALSCHED_TEST_PG_URL, SOCIALSCHED_TEST_REDIS_URL
or their local defaults). Where they are absent the PostgreSQL cases are skipped and Redis is
embedded, unless SOCIALSCHED_REQUIRE_SERVERS=1 (CI), which turns absence into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from socialsched_dagster.store import migrate
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.models import Base

# The `serve` fixture: real local media servers that count their requests.
pytest_plugins = ["socialsched_dagster_tests.media_servers"]

PG_ADMIN_URL = os.environ.get(
    "SOCIALSCHED_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVERS = os.environ.get("SOCIALSCHED_REQUIRE_SERVERS") == "1"

# The suite's media are on hosts that serve nothing (cdn.example.com, cdn.example, *.invalid,
# samples.socialsched.dev): configured as stand-ins, as the demo and the benchmarks configure
# theirs, for this process and every daemon or CLI process a test starts. A test that needs a
# real download names its own local server and its own policy.
TEST_STAND_IN_HOSTS = "example.com,example,invalid,socialsched.dev"
os.environ["SOCIALSCHED_MEDIA_STAND_IN_HOSTS"] = TEST_STAND_IN_HOSTS
os.environ.pop("SOCIALSCHED_MEDIA_PRIVATE_NETWORKS", None)


def _unavailable(what: str, why: object) -> None:
    message = f"{what} unavailable: {why}"
    if REQUIRE_SERVERS:
        pytest.fail(f"{message} (SOCIALSCHED_REQUIRE_SERVERS=1)")
    pytest.skip(message)


def create_pg_database() -> str:
    """A fresh, empty PostgreSQL database; returns its URL."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"socialsched_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception as exc:
        return str(exc).splitlines()[0]  # type: ignore[return-value]


@pytest.fixture
def empty_pg_url(pg_available) -> Iterator[str]:
    """A brand-new PostgreSQL database for tests that migrate or break things themselves."""
    if pg_available is not True:
        _unavailable("PostgreSQL", pg_available)
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def _pg_migrated_url(pg_available) -> Iterator[str | None]:
    if pg_available is not True:
        yield None
        return
    url = create_pg_database()
    db = Database(url)
    migrate.upgrade(db.engine)
    db.dispose()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, pg_available, _pg_migrated_url) -> Iterator[str]:
    """A migrated app database, empty at the start of the test, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        db = Database(url)
        migrate.upgrade(db.engine)
        db.dispose()
        yield url
        return
    if _pg_migrated_url is None:
        _unavailable("PostgreSQL", pg_available)
    yield _pg_migrated_url
    engine = create_engine(_pg_migrated_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # What migration 0006 creates and every database has: the default workspace.
        conn.execute(
            text(
                "INSERT INTO workspaces (id, name, require_approval, created_at) "
                "VALUES (1, 'default', false, now())"
            )
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)"))
    engine.dispose()


@pytest.fixture
def db(db_url) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def token_key(monkeypatch) -> str:
    from socialsched_dagster.security.token_cipher import new_key

    key = new_key()
    monkeypatch.setenv("SOCIALSCHED_TOKEN_KEY", key)
    return key


@pytest.fixture
def cipher(token_key):
    from socialsched_dagster.security.token_cipher import TokenCipher

    return TokenCipher([token_key])


def _per_worker_redis_url(url: str) -> str:
    """Each pytest-xdist worker flushes and fills a Redis database of its own (15, 14, ...),
    so parallel tests never see each other's breakers, limits or caches."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    base, _, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 15
    return f"{base}/{(number - int(worker[2:])) % 16}"


REDIS_TEST_URL = _per_worker_redis_url(
    os.environ.get("SOCIALSCHED_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)


@pytest.fixture(scope="session")
def real_or_embedded_redis_url(tmp_path_factory) -> Iterator[str]:
    """The real Redis when it answers (db 15, flushed), else an embedded one."""
    from socialsched_dagster.store.redis_connection import EmbeddedRedis, connect, probe

    client = connect(REDIS_TEST_URL, timeout_s=1)
    health = probe(client)
    if health.reachable:
        client.flushdb()
        yield REDIS_TEST_URL
        client.flushdb()
        return
    if REQUIRE_SERVERS:
        pytest.fail(f"Redis unavailable at {REDIS_TEST_URL}: {health.error}")
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis") / "redis.db")
    yield embedded.url
    embedded.close()


@pytest.fixture
def postgres_server() -> Iterator:
    """A PostgreSQL server of the test's own, with an empty database `app` (`.url`): for tests
    that restart or kill the database. The shared server is never restarted."""
    from socialsched_dagster.bench.postgres_server import PostgresServer

    try:
        server = PostgresServer()
    except RuntimeError as exc:  # no server binaries on this machine
        _unavailable("PostgreSQL server binaries", exc)
    with server:
        yield server
