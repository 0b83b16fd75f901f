"""The app database handle: one engine per process and transactions that survive the
transient failures a busy (or restarting) database produces."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from .clock import DatabaseClock
from .engine import READ_ONLY_OPTION, EngineOptions, create_app_engine, is_sqlite
from .transient import transient_reason

T = TypeVar("T")
log = logging.getLogger(__name__)

__all__ = ["RETRY_FOR_S", "Database", "get_database", "transient_reason"]

# How long a transaction keeps retrying a transient failure. A PostgreSQL restart (or a managed
# failover) takes seconds to tens of seconds; a run or a sensor tick that waits it out loses
# nothing, one that gives up fails. It stays below Dagster's 60 s sensor evaluation timeout.
RETRY_FOR_S = 45.0


class Database:
    def __init__(self, url: str, options: EngineOptions = EngineOptions()):
        self.url = url
        self.engine: Engine = create_app_engine(url, options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = DatabaseClock(self.engine)

    def now(self) -> datetime:
        """The database server's time: what claims, leases and cutoffs are compared in.
        Retried like a transaction: the first measurement cannot fall back on an older one."""
        return self.retrying(self.clock.now, name="database clock")

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
        attempts: int | None = None,
        retry_for_s: float = RETRY_FOR_S,
        base_delay_s: float = 0.05,
        max_delay_s: float = 2.0,
    ) -> T:
        """Run `work(session)` in one transaction, committing on return.

        `read_only`: `work` only reads; on SQLite it then does not take the write lock.
        A deadlock, serialization failure, locked SQLite file, dropped connection or restarting
        server rolls back and runs `work` again, in a new session on a live connection, with
        exponential backoff and full jitter, for up to `retry_for_s` seconds (and at most
        `attempts` times, if given). So `work` must be safe to repeat: nothing it did survived
        the rollback. A connection lost during COMMIT itself leaves the outcome unknown, so
        where a repeat of committed work would matter, `work` must be conditional (the publish
        path's claims and records are: they change only rows this run owns in the expected
        status). Anything else propagates at once.
        """

        def once() -> T:
            with self._sessions() as session:
                if read_only:
                    # Begins the transaction with the option set, which the begin event reads;
                    # closing the session on an exception rolls it back.
                    session.connection(execution_options={READ_ONLY_OPTION: True})
                    result = work(session)
                    session.commit()
                    return result
                with session.begin():
                    return work(session)

        return self.retrying(
            once,
            name=name,
            attempts=attempts,
            retry_for_s=retry_for_s,
            base_delay_s=base_delay_s,
            max_delay_s=max_delay_s,
        )

    def retrying(
        self,
        fn: Callable[[], T],
        *,
        name: str,
        attempts: int | None = None,
        retry_for_s: float = RETRY_FOR_S,
        base_delay_s: float = 0.05,
        max_delay_s: float = 2.0,
    ) -> T:
        """`fn()`, called again on a transient database failure (see `transaction`)."""
        stop = stop_before_delay(retry_for_s)
        if attempts is not None:
            stop = stop | stop_after_attempt(attempts)

        def reason_of(state: RetryCallState) -> str:
            exc = state.outcome.exception() if state.outcome else None
            return (transient_reason(exc) if exc else None) or "failure"

        def log_retry(state: RetryCallState) -> None:
            # The reason only: the driver's message would carry the statement and its
            # parameters, and a connection error the host; never the URL (or its password).
            log.warning(
                "%s: %s, retrying in %.0f ms (attempt %d, %.1f s so far)",
                name, reason_of(state), (state.upcoming_sleep or 0) * 1000,
                state.attempt_number + 1, state.seconds_since_start or 0.0,
            )  # fmt: skip

        def give_up(state: RetryCallState) -> T:
            log.warning(
                "%s: %s, giving up after %d attempt(s) in %.1f s",
                name, reason_of(state), state.attempt_number, state.seconds_since_start or 0.0,
            )  # fmt: skip
            raise state.outcome.exception()

        retrying = Retrying(
            retry=retry_if_exception(lambda e: transient_reason(e) is not None),
            stop=stop,
            wait=wait_random_exponential(multiplier=base_delay_s, max=max_delay_s),
            before_sleep=log_retry,
            retry_error_callback=give_up,
        )
        return retrying(fn)

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
