"""One clock for everything that compares times across hosts: the database's.

Claims, leases, renewals, the stale cutoff and due comparisons are decided by several processes
on several hosts. If each used its own clock, a host two minutes fast would claim posts two
minutes early and take over live runs' leases. So they use the database server's clock: each
process measures its offset from it (one `SELECT` of the server's time, half a round trip of
error) and adds it to its own monotonic-ish wall clock, re-measuring every half minute.

`SOCIALSCHED_HOST_CLOCK_OFFSET_S` shifts this process's own clock: it exists so that tests and
the chaos benchmark can run a process whose host clock is wrong, which is what this module is
for. It is read here and nowhere else.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, text

UTC = timezone.utc
HOST_OFFSET_ENV = "SOCIALSCHED_HOST_CLOCK_OFFSET_S"
REMEASURE_S = 30.0


def _host_offset() -> timedelta:
    raw = os.environ.get(HOST_OFFSET_ENV, "").strip()
    try:
        return timedelta(seconds=float(raw)) if raw else timedelta(0)
    except ValueError:
        raise ValueError(f"{HOST_OFFSET_ENV} must be a number of seconds, got {raw!r}") from None


_HOST_OFFSET = _host_offset()


def host_now() -> datetime:
    """This host's idea of the time (aware UTC): fine for stamps, wrong for comparisons."""
    return datetime.now(UTC) + _HOST_OFFSET


def read_server_time(engine: Engine) -> datetime:
    if engine.dialect.name == "sqlite":
        # SQLite lives on this machine: its clock is this machine's real clock. (Asking it
        # would also open a second connection, which waits on a caller's write lock.)
        return datetime.now(UTC)
    with engine.connect() as conn:
        # clock_timestamp(), not now(): now() is the start of the transaction.
        value = conn.execute(text("SELECT clock_timestamp() AT TIME ZONE 'UTC'")).scalar_one()
    return value.replace(tzinfo=UTC)


class DatabaseClock:
    """`now()` in the database's time, from an offset measured at most every 30 s."""

    def __init__(self, engine: Engine, remeasure_s: float = REMEASURE_S):
        self.engine, self.remeasure_s = engine, remeasure_s
        self._lock = threading.Lock()
        self._offset: timedelta | None = None
        self._measured_at = 0.0

    def now(self) -> datetime:
        return host_now() + self.offset()

    def offset(self) -> timedelta:
        with self._lock:
            stale = time.monotonic() - self._measured_at > self.remeasure_s
            if self._offset is None or stale:
                try:
                    self._offset = self._measure()
                    self._measured_at = time.monotonic()
                except Exception:
                    if self._offset is None:
                        raise  # never measured: there is no database clock to give
                    # The database is unreachable for now: the last offset is still good
                    # (clocks drift by milliseconds a day); the next call measures again.
            return self._offset

    def _measure(self) -> timedelta:
        before = host_now()
        server = read_server_time(self.engine)
        after = host_now()
        return server - (before + (after - before) / 2)
