"""Which publishing runs to request now: shared by the due-posts sensor and the safety schedule.

A window gets a run when it holds targets that are due within the lead time (or were orphaned by
a dead run) and no live run of that window's job exists. Requesting a window twice is harmless:
claims are atomic, so a second run finds nothing to take. Checking for a live run only avoids
paying for a useless process start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from dagster import DagsterInstance, DagsterRunStatus, RunRequest, RunsFilter

from ..store.database import Database
from ..store.due import DueWindow, due_windows, mark_missed
from .partitions import partition_key

LIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]
TRIGGER_TAG = "socialsched/trigger"


def job_name(platform: str) -> str:
    return f"publish_{platform}"


def plan(
    db: Database, now: datetime, *, lead: timedelta, stale_after: timedelta
) -> tuple[int, list[DueWindow]]:
    """Mark stale targets missed and list the windows with due work."""
    stale_before = now - stale_after

    def work(session):
        missed = mark_missed(session, stale_before=stale_before, now=now)
        return missed, due_windows(session, now=now, ready_by=now + lead, stale_before=stale_before)

    return db.transaction(work, name="plan publishing runs")


def has_live_run(instance: DagsterInstance, window: DueWindow) -> bool:
    records = instance.get_run_records(
        RunsFilter(
            job_name=job_name(window.platform),
            statuses=LIVE,
            tags={"dagster/partition": partition_key(window.window_start)},
        ),
        limit=1,
    )
    return bool(records)


def run_requests(
    instance: DagsterInstance, windows: Iterable[DueWindow], trigger: str
) -> list[RunRequest]:
    return [
        RunRequest(
            job_name=job_name(w.platform),
            partition_key=partition_key(w.window_start),
            tags={TRIGGER_TAG: trigger},
        )
        for w in windows
        if not has_live_run(instance, w)
    ]
