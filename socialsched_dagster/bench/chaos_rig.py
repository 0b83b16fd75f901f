"""The moving parts a chaos drill acts on: the daemon in a process group of its own (with the code
server and the runs it starts), its live publishing runs, and Dagster's storage and run record."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ..cli.demo_cmd import REPO_ROOT
from ..cli.process_group import stop_process_group
from ..store.models import PostTarget
from .environment import BenchEnvironment


class Daemon:
    """`dagster-daemon run`, started in a new session so that its process group holds the
    daemon, the code server it starts and every run worker that server spawns."""

    def __init__(self, env: BenchEnvironment) -> None:
        self.env = env
        self.starts = 0
        self._proc: subprocess.Popen | None = None

    @property
    def pgid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self.starts += 1
        bin_dir = Path(sys.executable).parent
        with (self.env.root / f"daemon-{self.starts}.log").open("w") as log:
            self._proc = subprocess.Popen(
                [str(bin_dir / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
                cwd=REPO_ROOT, env=self.env.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill_group(self, timeout_s: float = 10.0) -> None:
        """SIGKILL the whole group at once, as when the node running it dies."""
        assert self._proc is not None
        os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        deadline = time.monotonic() + timeout_s
        while group_alive(self._proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._proc = None

    def stop(self) -> None:
        """The graceful stop: SIGTERM the group, SIGKILL what is left after 30 s."""
        if self._proc is None:
            return
        stop_process_group(self._proc.pid, grace_s=30)
        self._proc.wait()
        self._proc = None


@dataclass(frozen=True)
class LiveRun:
    run_id: str
    pid: int
    in_flight: int  # targets it holds in `publishing`


def _run_pid(instance, run_id: str) -> int | None:
    """The run worker's pid, from the engine event Dagster writes when the process starts."""
    from dagster import DagsterEventType

    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None:
            return int(pid.value)
    return None


def group_alive(pgid: int) -> list[int]:
    """Members of the group that still run (a killed child is a zombie until reaped)."""
    import psutil

    alive = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def _in_group(pid: int, pgid: int) -> bool:
    import psutil

    try:
        # A SIGKILLed run is a zombie until the code server reaps it: not alive for us.
        return os.getpgid(pid) == pgid and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.Error):
        return False


def live_publishing_runs(env: BenchEnvironment, pgid: int) -> list[LiveRun]:
    """Started publishing runs whose worker process is alive in the daemon's group, the busiest
    first (the one holding the most targets in `publishing`)."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with env.db.session() as s:
        holding = dict(
            s.execute(
                select(PostTarget.lease_owner, func.count())
                .where(PostTarget.status == "publishing", PostTarget.lease_owner.is_not(None))
                .group_by(PostTarget.lease_owner)
            ).all()
        )
    live = []
    with DagsterInstance.from_config(env.env["DAGSTER_HOME"]) as instance:
        runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
        for run in runs:
            if not run.job_name.startswith("publish_"):
                continue
            pid = _run_pid(instance, run.run_id)
            if pid is not None and _in_group(pid, pgid):
                live.append(LiveRun(run.run_id, pid, holding.get(run.run_id, 0)))
    return sorted(live, key=lambda r: -r.in_flight)


def in_flight(env: BenchEnvironment, run_id: str | None = None) -> list[int]:
    """Targets in `publishing` (held by `run_id`, or by anyone)."""
    query = select(PostTarget.id).where(PostTarget.status == "publishing")
    if run_id is not None:
        query = query.where(PostTarget.lease_owner == run_id)
    with env.db.session() as s:
        return list(s.scalars(query.order_by(PostTarget.id)))


def started_runs(env: BenchEnvironment) -> list[str]:
    """Every run Dagster believes is in progress (what a kill of the whole group takes down)."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.from_config(env.env["DAGSTER_HOME"]) as instance:
        return [
            r.run_id for r in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
        ]


def dagster_on_postgres(env: BenchEnvironment, url: str) -> None:
    """The production instance file: Dagster's runs, events and schedules in PostgreSQL, so a
    PostgreSQL restart hits the daemon and the run workers' event writes, as in production."""
    home = Path(env.env["DAGSTER_HOME"])
    shutil.copy(REPO_ROOT / "deploy" / "dagster.production.yaml", home / "dagster.yaml")
    u = make_url(url)
    pg = {
        "DAGSTER_PG_HOST": u.host or "127.0.0.1", "DAGSTER_PG_PORT": str(u.port or 5432),
        "DAGSTER_PG_USER": u.username or "postgres", "DAGSTER_PG_PASSWORD": u.password or "",
        "DAGSTER_PG_DB": u.database,
    }  # fmt: skip
    env.env.update(pg)
    os.environ.update(pg)  # this process reads the same instance (live runs, run counts)


def run_summary(env: BenchEnvironment, killed: set[str]) -> dict:
    """Runs by kind and status, and every failed run the drill did not kill or stop, with
    Dagster's reason."""
    from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

    counts: Counter[str] = Counter()
    unexpected = []
    with DagsterInstance.from_config(env.env["DAGSTER_HOME"]) as instance:
        for run in instance.get_runs():
            kind = "publishing" if run.job_name.startswith("publish_") else "other"
            counts[f"{kind} {run.status.value}"] += 1
            if run.status is DagsterRunStatus.FAILURE and run.run_id not in killed:
                failures = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
                reason = failures[-1].message if failures else None
                unexpected.append({"run_id": run.run_id, "job": run.job_name, "reason": reason})
    return {"by_status": dict(sorted(counts.items())), "failed_not_killed": unexpected}
