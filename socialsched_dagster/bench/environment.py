"""A self-contained environment for a benchmark: its own app database, Redis, sandbox and
Dagster home, so a measurement never touches (or is disturbed by) the demo's state."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..cli.demo_cmd import REPO_ROOT, sandbox_env
from ..sandbox.process import SandboxProcess
from ..security.public_urls import STAND_IN_HOSTS_ENV
from ..security.token_cipher import TokenCipher, new_key
from ..store import migrate
from ..store.database import Database
from ..store.redis_connection import EmbeddedRedis

# The benchmark's media are on a host that serves nothing; the processes it starts are told so
# (SOCIALSCHED_MEDIA_STAND_IN_HOSTS), and never fetch them.
MEDIA_HOST = "cdn.example.com"


@dataclass
class BenchEnvironment:
    root: Path
    db: Database
    cipher: TokenCipher
    sandbox: SandboxProcess
    env: dict[str, str]


def open_environment(
    stack: ExitStack,
    *,
    database_url: str | None,
    redis_url: str | None,
    sandbox_settings: dict,
    latency_ms: float,
    publish_env: dict[str, str],
) -> BenchEnvironment:
    root = Path(tempfile.mkdtemp(prefix="socialsched-bench-"))
    stack.callback(shutil.rmtree, root, ignore_errors=True)
    url = database_url or f"sqlite:///{root / 'app.db'}"
    db = Database(url)
    stack.callback(db.dispose)
    if database_url:  # a server database: start from an empty schema
        migrate.downgrade(db.engine, "base")
    migrate.upgrade(db.engine)
    if not redis_url:
        embedded = EmbeddedRedis(root / "redis.db")
        stack.callback(embedded.close)
        redis_url = embedded.url
    else:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    sandbox = SandboxProcess(settings=sandbox_settings, latency_ms=latency_ms)
    stack.enter_context(sandbox)
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    key = new_key()
    env = {
        **os.environ,
        **sandbox_env(sandbox.base_url),
        **publish_env,
        STAND_IN_HOSTS_ENV: MEDIA_HOST,
        "SOCIALSCHED_HOME": str(root),
        "SOCIALSCHED_DATABASE_URL": url,
        "SOCIALSCHED_TOKEN_KEY": key,
        "REDIS_URL": redis_url,
        "DAGSTER_HOME": str(home),
    }
    return BenchEnvironment(root, db, TokenCipher([key]), sandbox, env)


def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                # A database name cannot be a bind parameter; quote it as an identifier.
                name = conn.dialect.identifier_preparer.quote(target.database)
                conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
