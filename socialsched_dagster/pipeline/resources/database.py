"""The app database as a Dagster resource: configuration in the UI, one engine per process."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dagster import ConfigurableResource
from pydantic import Field
from sqlalchemy.orm import Session

from ...settings import load_settings
from ...store.database import Database, get_database
from ...store.engine import EngineOptions

T = TypeVar("T")


class DatabaseResource(ConfigurableResource):
    """SQLAlchemy access to the app database (SQLite embedded, PostgreSQL in production)."""

    url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SOCIALSCHED_DATABASE_URL or embedded"
    )
    pool_size: int = 5
    max_overflow: int = 10
    pool_pre_ping: bool = True
    pool_recycle_s: int = 1800
    statement_timeout_ms: int = Field(default=30_000, description="PostgreSQL statement_timeout")
    sqlite_busy_timeout_ms: int = 15_000

    def get_database(self, *, threads: int = 0) -> Database:
        """`threads`: how many threads of the caller hold a connection at once. The pool keeps
        at least that many: below it, every transaction past the pool's size opens and closes a
        connection of its own (on PostgreSQL a new backend process each time)."""
        options = EngineOptions(
            pool_size=max(self.pool_size, threads),
            max_overflow=self.max_overflow,
            pool_pre_ping=self.pool_pre_ping,
            pool_recycle_s=self.pool_recycle_s,
            statement_timeout_ms=self.statement_timeout_ms,
            sqlite_busy_timeout_ms=self.sqlite_busy_timeout_ms,
        )
        # Resources are rebuilt per run, step and tick; the engine is cached per process.
        return get_database(self.url or load_settings().database_url, options)

    def transaction(self, work: Callable[[Session], T], *, name: str = "transaction") -> T:
        return self.get_database().transaction(work, name=name)
