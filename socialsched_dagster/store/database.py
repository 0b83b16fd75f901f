"""The app database handle: one engine per process and transactions that survive the
transient failures a busy database produces."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from .clock import DatabaseClock
from .engine import READ_ONLY_OPTION, EngineOptions, create_app_engine, is_sqlite

T = TypeVar("T")
log = logging.getLogger(__name__)

# SQLSTATEs worth retrying: serialization failure, deadlock, and connection exceptions (08xxx)
# plus admin shutdown/crash (57P01-57P03), which is what a database failover looks like.
_RETRY_SQLSTATES = {"40001", "40P01", "57P01", "57P02", "57P03"}


def transient_reason(exc: BaseException) -> str | None:
    """Why `exc` is worth retrying, or None if it is not."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return "connection dropped"
    code = getattr(exc.orig, "pgcode", None)
    if code in ("40001",):
        return "serialization failure"
    if code == "40P01":
        return "deadlock"
    if code and (code.startswith("08") or code in _RETRY_SQLSTATES):
        return "connection dropped"
    text = str(exc.orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return "database locked"
    if "server closed the connection" in text or "connection already closed" in text:
        return "connection dropped"
    return None


class Database:
    def __init__(self, url: str, options: EngineOptions = EngineOptions()):
        self.url = url
        self.engine: Engine = create_app_engine(url, options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = DatabaseClock(self.engine)

    def now(self) -> datetime:
        """The database server's time: what claims, leases and cutoffs are compared in."""
        return self.clock.now()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reads (and writes the caller commits). No retry: use `transaction`."""
        with self._sessions() as session:
            yield session

    def transaction(
        self,
        work: Callable[[Session], T],
        *,
        name: str = "transaction",
        read_only: bool = False,
        attempts: int = 5,
        base_delay_s: float = 0.05,
        max_delay_s: float = 2.0,
    ) -> T:
        """Run `work(session)` in one transaction, committing on return.

        `read_only`: `work` only reads; on SQLite it then does not take the write lock.
        A deadlock, serialization failure, locked SQLite file or dropped connection rolls back
        and runs `work` again with exponential backoff and full jitter, so `work` must be safe to
        repeat (it is: nothing it did survived the rollback). Anything else propagates at once.
        """

        def _log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s: %s, retrying in %.0f ms (attempt %d of %d)",
                name,
                transient_reason(exc) if exc else "failure",
                (state.upcoming_sleep or 0) * 1000,
                state.attempt_number + 1,
                attempts,
            )

        for attempt in Retrying(
            retry=retry_if_exception(lambda e: transient_reason(e) is not None),
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=base_delay_s, max=max_delay_s),
            before_sleep=_log_retry,
            reraise=True,
        ):
            with attempt, self._sessions() as session:
                if read_only:
                    # Begins the transaction with the option set, which the begin event reads;
                    # closing the session on an exception rolls it back.
                    session.connection(execution_options={READ_ONLY_OPTION: True})
                    result = work(session)
                    session.commit()
                    return result
                with session.begin():
                    return work(session)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    def dispose(self) -> None:
        self.engine.dispose()


_registry: dict[tuple[str, EngineOptions], Database] = {}
_registry_lock = threading.Lock()


def get_database(url: str, options: EngineOptions = EngineOptions()) -> Database:
    """The process-wide Database for this URL and options.

    Dagster builds resources afresh for every run, step and sensor tick; an engine per build
    would open a new pool each time and leak connections, so engines are shared per process.
    """
    key = (url, options)
    with _registry_lock:
        db = _registry.get(key)
        if db is None:
            db = _registry[key] = Database(url, options)
        return db
