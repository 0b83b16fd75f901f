"""Dagster's DefaultRunLauncher, plus a worker health check read from the runs' heartbeats.

Run monitoring only finds a dead STARTED run through its launcher's health check, and the
DefaultRunLauncher has none: when the node running the daemon, the code server and the runs
dies, those runs stay STARTED for good (only their `dagster/max_runtime` ends them, hours later).
Meanwhile they count against `max_concurrent_runs` and keep their pool slots, so the platform's
next runs queue behind corpses. A publishing run proves it lives by renewing its heartbeat in the
app database every lease/3; this launcher reports a run FAILED to run monitoring once that
heartbeat has been silent for a further lease past its expiry, and Dagster then marks the run
failed and (with `free_slots_after_run_end_seconds`) frees its slots. Runs without a heartbeat
(health checks, reports, token refreshes, a run still starting) are reported RUNNING: nothing
here can tell, and their own max runtime is the backstop.

Configured in dagster.yaml (`run_launcher`); every process that loads the instance imports it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dagster import DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

from ..settings import load_settings
from ..store import run_heartbeats as heartbeats
from ..store.database import get_database
from .resources.publishing import publishing_config_from_env

FINISHING = timedelta(minutes=10)


class HeartbeatRunLauncher(DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        # An unreachable database raises: run monitoring logs it and judges the run next time,
        # so an outage never marks live runs failed.
        db = get_database(load_settings().database_url)
        beat = db.transaction(
            lambda s: heartbeats.heartbeat(s, run.run_id), name="run health", read_only=True
        )
        if beat is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no heartbeat to judge by")
        lease = timedelta(seconds=publishing_config_from_env().lease_s)
        return judge(beat.alive_until, beat.finished_at, db.now(), lease)


def judge(
    alive_until: datetime, finished_at: datetime | None, now: datetime, lease: timedelta
) -> CheckRunHealthResult:
    """A lease of silence past the heartbeat's expiry is death (two missed renewals would
    already have let its window be taken over; this waits longer, to be sure). A run whose
    window run has finished still evaluates its asset's checks: it gets minutes, not a lease."""
    if finished_at is not None:
        if finished_at + FINISHING > now:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "window run done, finishing")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"its window run ended at {finished_at:%H:%M:%S} UTC, but the run never reported "
            "its end: the process died afterwards",
        )
    if alive_until + lease > now:
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"heartbeat alive until {alive_until}")
    return CheckRunHealthResult(
        WorkerStatus.FAILED,
        f"no heartbeat since {alive_until - lease:%H:%M:%S} UTC (renewed every lease/3): "
        "the run process is gone (node, container or process killed); its targets are "
        "reconciled and taken over by the next run",
    )
