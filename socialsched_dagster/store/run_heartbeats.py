"""Publishing-run heartbeats: which windows a live run covers, judged by the run itself.

Dagster's run status is not evidence that a run lives: when the node running the daemon, the
code server and the runs dies, the runs stay STARTED until someone notices. A window counts as
covered only while one of its runs keeps renewing `alive_until` (every lease/3), so a dead run
stops covering its window within one lease, whatever Dagster still says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .models import PublishingRun


def beat(
    session: Session, run_id: str, platform: str, window_start: datetime, now: datetime,
    alive_until: datetime,
) -> None:  # fmt: skip
    """Start or renew this run's heartbeat (an upsert that both dialects understand)."""
    renewed = session.execute(
        update(PublishingRun)
        .where(PublishingRun.run_id == run_id)
        .values(alive_until=alive_until, finished_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not renewed:
        session.add(
            PublishingRun(
                run_id=run_id, platform=platform, window_start=window_start,
                started_at=now, alive_until=alive_until,
            )
        )  # fmt: skip


def finish(session: Session, run_id: str, now: datetime) -> None:
    """The run is over: its window is no longer covered by it."""
    session.execute(
        update(PublishingRun)
        .where(PublishingRun.run_id == run_id)
        .values(alive_until=now, finished_at=now)
        .execution_options(synchronize_session=False)
    )


def live_windows(session: Session, now: datetime) -> set[tuple[str, datetime]]:
    """(platform, window start) of every window a run is alive for right now."""
    rows = session.execute(
        select(PublishingRun.platform, PublishingRun.window_start)
        .where(PublishingRun.alive_until > now)
        .distinct()
    )
    return {(p, w) for p, w in rows}


def live_runs(session: Session, run_ids: Iterable[str], now: datetime) -> set[str]:
    ids = list(run_ids)
    if not ids:
        return set()
    rows = session.scalars(
        select(PublishingRun.run_id).where(
            PublishingRun.run_id.in_(ids), PublishingRun.alive_until > now
        )
    )
    return set(rows)


def prune(session: Session, before: datetime) -> int:
    """Forget runs that ended before `before` (the table stays small)."""
    return (
        session.execute(
            delete(PublishingRun)
            .where(PublishingRun.alive_until < before)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def beaten(session: Session, run_ids: Iterable[str]) -> set[str]:
    """Those of `run_ids` that have beaten at least once, alive, finished or dead since."""
    ids = list(run_ids)
    if not ids:
        return set()
    return set(session.scalars(select(PublishingRun.run_id).where(PublishingRun.run_id.in_(ids))))


def heartbeat(session: Session, run_id: str) -> PublishingRun | None:
    return session.get(PublishingRun, run_id)
