"""Which publishing runs to request now: shared by the due-posts sensor and the safety schedule.

A window gets a run when it holds targets that are due within the lead time (or were orphaned by
a dead run) and no live run covers it. Requesting a window twice is harmless: claims are atomic,
so a second run finds nothing to take. Checking coverage only avoids paying for a useless
process start.

A run covers its window while its heartbeat in the app database is alive (`publishing_runs`,
renewed every lease/3 by the run itself). Dagster's run status is not used for that: when the
node running the daemon, the code server and the runs dies, those runs stay STARTED in Dagster
and would block their windows for good. Before its first beat a run is covered by Dagster's
word, for a bounded time: queued less than QUEUED_GRACE_S ago (it has not begun to start), or
launched less than START_GRACE_S ago.

A window that Dagster cannot take as a partition (before the partitions' start, or beyond their
reach) is reported, never requested: one bad request would fail the whole tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dagster import DagsterInstance, DagsterRunStatus, RunRecord, RunRequest, RunsFilter
from dagster._time import get_current_timestamp

from ..store import run_heartbeats as heartbeats
from ..store.database import Database
from ..store.due import DueWindow, due_windows, mark_missed
from .partitions import is_partition, partition_key, partition_reach

LAUNCHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
TRIGGER_TAG = "socialsched/trigger"
# A run starts in about 5 s here (DESIGN.md: 1.4-6.4 s) and beats as its asset code begins;
# 30 s is six such starts, and a run that died before beating is replaced well within the lead.
START_GRACE_S = 30.0
# Queued runs survive a daemon restart and start in priority order as slots free; another
# request would only queue behind them. One queued this long is stuck behind something (a pool
# held by dead runs until run monitoring frees it, an operator's tag limit): one more request
# then costs little.
QUEUED_GRACE_S = 600.0
# Heartbeats of runs that ended this long ago are deleted (the table stays small).
KEEP_HEARTBEATS = timedelta(days=2)


def job_name(platform: str) -> str:
    return f"publish_{platform}"


@dataclass(frozen=True)
class Plan:
    now: datetime  # the database's clock
    missed: int
    windows: list[DueWindow]  # windows with due work
    live: set[tuple[str, datetime]]  # (platform, window start) a run's heartbeat covers

    def __iter__(self):
        # Unpacks as (missed, windows), the shape `plan` returned before it knew about runs.
        return iter((self.missed, self.windows))


@dataclass
class Decision:
    requests: list[RunRequest] = field(default_factory=list)
    covered: list[DueWindow] = field(default_factory=list)
    unplannable: list[DueWindow] = field(default_factory=list)

    def unplannable_message(self) -> str:
        listed = ", ".join(
            f"{w.platform} {partition_key(w.window_start)} ({w.targets} target(s))"
            for w in self.unplannable
        )
        return (
            f"not a partition (yet): {listed}; Dagster takes runs for {partition_reach()}; "
            "a window ahead of that is requested once it is within reach"
        )

    def skip_message(self) -> str:
        parts = []
        if self.covered:
            parts.append(f"{len(self.covered)} window(s) due, all covered by live runs")
        if self.unplannable:
            parts.append(self.unplannable_message())
        return "; ".join(parts) or "nothing due"


def plan(
    db: Database, now: datetime | None = None, *, lead: timedelta, stale_after: timedelta
) -> Plan:
    """Mark stale targets missed, list the windows with due work and those a run lives for,
    as of `now` (default: the database's clock, what the sensor and the schedules use)."""
    now = db.now() if now is None else now
    stale_before = now - stale_after

    def work(session):
        missed = mark_missed(session, stale_before=stale_before, now=now)
        windows = due_windows(session, now=now, ready_by=now + lead, stale_before=stale_before)
        live = heartbeats.live_windows(session, now)
        heartbeats.prune(session, before=now - KEEP_HEARTBEATS)
        return Plan(now, missed, windows, live)

    return db.transaction(work, name="plan publishing runs")


def decide(
    instance: DagsterInstance,
    db: Database,
    planned: Plan,
    trigger: str,
    *,
    platforms: Iterable[str] | None = None,
    run_key: bool = False,
) -> Decision:
    """`run_key`: give each request one (schedules must when they return several)."""
    wanted = set(platforms) if platforms is not None else None
    decision = Decision()
    for w in planned.windows:
        if wanted is not None and w.platform not in wanted:
            continue
        if (w.platform, w.window_start) in planned.live or _starting_run(instance, db, w):
            decision.covered.append(w)
        elif not is_partition(w.window_start):
            decision.unplannable.append(w)
        else:
            key = partition_key(w.window_start)
            decision.requests.append(
                RunRequest(
                    job_name=job_name(w.platform),
                    partition_key=key,
                    run_key=f"{w.platform}:{key}" if run_key else None,
                    tags={TRIGGER_TAG: trigger},
                )
            )
    return decision


def _starting_run(instance: DagsterInstance, db: Database, window: DueWindow) -> bool:
    """A run of this window that Dagster knows and that has not beaten yet: queued, or launched
    within START_GRACE_S. Runs that have beaten are judged by their heartbeat alone."""
    records = instance.get_run_records(
        RunsFilter(
            job_name=job_name(window.platform),
            statuses=[DagsterRunStatus.QUEUED, *LAUNCHED],
            tags={"dagster/partition": partition_key(window.window_start)},
        ),
        limit=20,
    )
    now = get_current_timestamp()  # the clock Dagster stamps its run records with
    queued = [r for r in records if r.dagster_run.status == DagsterRunStatus.QUEUED]
    if any(now - r.create_timestamp.timestamp() < QUEUED_GRACE_S for r in queued):
        return True
    launched = [r for r in records if r.dagster_run.status != DagsterRunStatus.QUEUED]
    recent = [r.dagster_run.run_id for r in launched if now - _launched_at(r) < START_GRACE_S]
    if not recent:
        return False
    seen = db.transaction(
        lambda s: heartbeats.beaten(s, recent), name="beaten runs", read_only=True
    )
    return any(run_id not in seen for run_id in recent)


def _launched_at(record: RunRecord) -> float:
    if record.dagster_run.status == DagsterRunStatus.STARTED and record.start_time:
        return record.start_time
    # STARTING / NOT_STARTED: the status changed to that at the last update.
    return record.update_timestamp.timestamp()
