"""The seven faults of the chaos drill. Each injects its fault, holds it, ends it and returns
when it began and ended (and which targets a killed process left in `publishing`).

Platform faults go through the sandbox's own fault injection (`/_sandbox/faults`); process and
server faults act on the bench's own daemon group, PostgreSQL and Redis, never a shared server.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from .chaos_plan import ChaosPlan
from .chaos_report import FaultRecord
from .chaos_rig import Daemon, in_flight, live_publishing_runs, started_runs
from .environment import BenchEnvironment
from .postgres_server import PostgresServer
from .redis_server import RedisServer

# The calls that make a post public: a lost answer there is the ambiguous outcome that must be
# reconciled, never re-sent blind. (Facebook feed and photo posts go public through fb_publish;
# fb_feed and fb_photos only create the unpublished post.)
EFFECTFUL = ["ig_publish", "fb_publish", "fb_videos", "yt_upload"]
# A lost answer holds the connection this long, then cuts it mid-body: a real wait, yet short
# enough that a 20 % drop does not tie up every worker of a run for the client's read timeout.
DROP_HOLD_S = 10.0
# The share of 5xx-storm answers given before the handler runs (nothing committed).
STORM_5XX_BEFORE_COMMIT = 0.7


@dataclass
class Rig:
    env: BenchEnvironment
    daemon: Daemon
    postgres: PostgresServer
    redis: RedisServer
    plan: ChaosPlan
    log: Callable[[str], None] = print


def run_kill(rig: Rig) -> FaultRecord:
    """SIGKILL one live publishing run's worker, preferably one holding targets in flight."""
    deadline = time.monotonic() + 90
    chosen = None
    while time.monotonic() < deadline:
        runs = live_publishing_runs(rig.env, rig.daemon.pgid)
        if runs and (runs[0].in_flight or time.monotonic() > deadline - 60):
            chosen = runs[0]
            break
        time.sleep(1)
    now = time.time()
    if chosen is None:
        return FaultRecord("run_kill", now, now, "no live publishing run found", injected=False)
    os.kill(chosen.pid, signal.SIGKILL)
    time.sleep(0.5)  # it is dead at once; this only lets the kernel finish tearing it down
    orphans = in_flight(rig.env, chosen.run_id)
    detail = f"run {chosen.run_id[:8]} pid {chosen.pid}"
    return FaultRecord("run_kill", now, now, detail, orphans, [chosen.run_id])


def daemon_kill(rig: Rig) -> FaultRecord:
    """SIGKILL daemon, code server and runs together; start the daemon again after a while."""
    runs = started_runs(rig.env)
    start = time.time()
    rig.daemon.kill_group()
    orphans = in_flight(rig.env)
    time.sleep(max(0.0, start + rig.plan.daemon_down_s - time.time()))
    rig.daemon.start()
    detail = f"daemon group killed with {len(runs)} run(s) in progress, restarted"
    return FaultRecord("daemon_kill", start, time.time(), detail, orphans, runs)


def postgres_restart(rig: Rig) -> FaultRecord:
    start = time.time()
    rig.postgres.restart(rig.plan.postgres_down_s)
    on_it = "app database" + (", Dagster storage" if rig.plan.dagster_storage == "postgres" else "")
    return FaultRecord("postgres_restart", start, time.time(), on_it)


def redis_down(rig: Rig) -> FaultRecord:
    start = time.time()
    rig.redis.stop()
    time.sleep(rig.plan.redis_down_s)
    rig.redis.start()
    return FaultRecord("redis_down", start, time.time(), "restarted empty (no persistence)")


def _sandbox_fault(rig: Rig, name: str, on: dict, off: dict, hold_s: float, detail: str):
    control = rig.env.sandbox.control
    start = time.time()
    control.set_faults(on)
    time.sleep(hold_s)
    control.set_faults(off)
    return FaultRecord(name, start, time.time(), detail)


def storm_429(rig: Rig) -> FaultRecord:
    p = rig.plan
    storm = {"seconds": p.storm_s, "retry_after": p.retry_after_s, "endpoints": "*"}
    detail = f"every endpoint, Retry-After {p.retry_after_s} s"
    return _sandbox_fault(rig, "storm_429", {"storm_429": storm}, {"storm_429": None},
                          p.storm_s, detail)  # fmt: skip


def storm_5xx(rig: Rig) -> FaultRecord:
    """Every publishing call answers 500: most before anything is committed, the rest after the
    post went live (what Graph's code 1/2 answers can mean), so a retry sent blind posts twice.
    Reads fail as often, reconciliation's feed and status lookups included."""
    before = STORM_5XX_BEFORE_COMMIT
    on = {
        "error_rates": {"*": {"rate": before, "status": 500}},
        "error_after_commit": {"rate": 1.0, "endpoints": EFFECTFUL, "status": 500},
    }
    off = {"error_rates": {"*": None}, "error_after_commit": None}
    detail = f"HTTP 500: {before:.0%} of calls before the commit, publishing calls after it"
    return _sandbox_fault(rig, "storm_5xx", on, off, rig.plan.storm_s, detail)


def drop_after_commit(rig: Rig) -> FaultRecord:
    p = rig.plan
    on = {
        # Only answers to requests that made a post public (a YouTube upload's last chunk).
        "drop_after_commit": {"rate": p.drop_rate, "endpoints": EFFECTFUL, "published_only": True},
        "drop_hold_seconds": DROP_HOLD_S,
    }
    off = {"drop_after_commit": None, "drop_hold_seconds": None}
    detail = f"{p.drop_rate:.0%} of publishing answers lost after the commit"
    return _sandbox_fault(rig, "drop_after_commit", on, off, p.drop_s, detail)


INJECT: dict[str, Callable[[Rig], FaultRecord]] = {
    "run_kill": run_kill,
    "daemon_kill": daemon_kill,
    "postgres_restart": postgres_restart,
    "redis_down": redis_down,
    "storm_429": storm_429,
    "storm_5xx": storm_5xx,
    "drop_after_commit": drop_after_commit,
}
