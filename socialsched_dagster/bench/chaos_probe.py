"""Live questions the chaos drill asks while faults come and go: has the ledger moved, has the
database recorded a publish, are these targets final yet. A database that is down answers
"not yet" rather than failing the drill."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..store.models import PostTarget
from .chaos_report import FINAL
from .environment import BenchEnvironment


class Probe:
    """Live questions asked while faults come and go; a database that is down answers "not yet"."""

    def __init__(self, env: BenchEnvironment) -> None:
        self.env = env
        self.entries: list[dict] = []

    def ledger_after(self, moment: float) -> bool:
        self.refresh()
        return bool(self.entries) and self.entries[-1]["ts"] > moment  # entries come in time order

    def refresh(self) -> int:
        self.entries += self.env.sandbox.control.ledger(since=len(self.entries))
        return len(self.entries)

    def _scalar(self, query):
        try:
            with self.env.db.session() as s:
                return s.scalar(query)
        except SQLAlchemyError:
            return None

    def published_after(self, moment: float) -> bool:
        at = datetime.fromtimestamp(moment, timezone.utc)
        query = select(PostTarget.id).where(
            PostTarget.status == "published", PostTarget.updated_at > at
        )
        return self._scalar(query.limit(1)) is not None

    def open_count(self, ids: list[int] | None = None) -> int | None:
        query = select(func.count()).where(PostTarget.status.not_in(FINAL))
        if ids is not None:
            query = query.where(PostTarget.id.in_(ids))
        return self._scalar(query)

    def due_range(self) -> tuple[float, float]:
        """The first and last due time of the load, as epoch seconds."""
        with self.env.db.session() as s:
            first, last = s.execute(
                select(func.min(PostTarget.due_at), func.max(PostTarget.due_at))
            ).one()
        return first.timestamp(), last.timestamp()

    def statuses(self) -> str:
        try:
            with self.env.db.session() as s:
                rows = s.execute(
                    select(PostTarget.status, func.count()).group_by(PostTarget.status)
                )
                return ", ".join(f"{status} {n}" for status, n in sorted(rows.all()))
        except SQLAlchemyError as exc:
            return f"database unreachable ({type(exc).__name__})"


def wait(until: Callable[[], bool], deadline: float, progress: Callable[[], None]) -> bool:
    last = time.monotonic()
    while time.time() < deadline:
        if until():
            return True
        if time.monotonic() - last >= 30:
            progress()
            last = time.monotonic()
        time.sleep(1)
    return until()
