"""Publish attempts by (platform, outcome) since the beginning, without recounting history.

A counter must cover all history, but counting every attempt on every scrape grows with the
table. Attempts are append-only, and one whose finished_at lies more than `settle` in the past is
committed by now (a recording transaction lasts seconds; `settle` also absorbs clock skew between
hosts). So the counts up to that moving boundary are kept in memory and each scrape only counts
what finished after it: a range of ix_publish_attempts_finished_at. History is read once, on the
first scrape. Values come from the database, so a restarted exporter (or a second replica)
reports the same totals and Prometheus sees no reset.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from ..store.models import PostTarget, PublishAttempt

Key = tuple[str, str]  # (platform, outcome)


def count_outcomes(
    conn: Connection, since: datetime | None, before: datetime | None
) -> Counter[Key]:
    """Attempts finished in [since, before); None leaves that side open."""
    query = (
        select(PostTarget.platform, PublishAttempt.outcome, func.count())
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(PublishAttempt.finished_at.is_not(None))
        .group_by(PostTarget.platform, PublishAttempt.outcome)
    )
    if since is not None:
        query = query.where(PublishAttempt.finished_at >= since)
    if before is not None:
        query = query.where(PublishAttempt.finished_at < before)
    return Counter({(platform, outcome): n for platform, outcome, n in conn.execute(query)})


class OutcomeTotals:
    def __init__(self, settle: timedelta = timedelta(minutes=10)):
        self.settle = settle
        self._lock = threading.Lock()  # scrapes may overlap (threaded HTTP server)
        self._settled: Counter[Key] = Counter()
        self._boundary: datetime | None = None  # counts before it are in _settled

    def read(self, conn: Connection, now: datetime) -> dict[Key, int]:
        with self._lock:
            boundary = now - self.settle
            if self._boundary is None:
                self._settled = count_outcomes(conn, None, boundary)
                self._boundary = boundary
            elif boundary > self._boundary:
                self._settled += count_outcomes(conn, self._boundary, boundary)
                self._boundary = boundary
            recent = count_outcomes(conn, self._boundary, None)
            return dict(self._settled + recent)
