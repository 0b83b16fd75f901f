"""`socialsched bench chaos`: the real daemon publishing under load on PostgreSQL + Redis while
faults are injected one after another; then, from the sandbox's ledger and the app database,
whether every post went out exactly once and every fault was recovered from in time.

Everything is the bench's own: a disposable PostgreSQL (app database, and Dagster's storage
unless `dagster_storage="sqlite"`), a redis-server, the sandbox, a Dagster home. Each fault
waits until publishing has resumed after the previous one (or the recovery limit passed), so
each recovery is measured on its own.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from ..domain.platforms import Platform
from .chaos_faults import INJECT, Rig
from .chaos_plan import ChaosPlan
from .chaos_probe import Probe, wait
from .chaos_report import FaultRecord, read_targets, recovery, tally, verdict
from .chaos_rig import Daemon, dagster_on_postgres, run_summary, started_runs
from .daemon_scenario import Scenario, seed
from .environment import BenchEnvironment, open_environment
from .postgres_server import PostgresServer
from .redis_server import RedisServer
from .suite import SANDBOX_SETTINGS, VIDEO_BYTES, rate_limits

SANDBOX_FIGURES = ("requests_total", "throttled", "errors_injected", "dropped",
                   "rate_limit_violations")  # fmt: skip


def _open(stack: ExitStack, plan: ChaosPlan, scenario: Scenario, log_dir: Path | None):
    """The bench's own PostgreSQL, Redis, sandbox and Dagster home, seeded with the load."""
    own = Path(tempfile.mkdtemp(prefix="socialsched-chaos-"))
    stack.callback(shutil.rmtree, own, ignore_errors=True)
    postgres = stack.enter_context(PostgresServer())
    redis = stack.enter_context(RedisServer(own))
    publish_env = {
        "SOCIALSCHED_PLATFORM_SYNTHETIC_VIDEO_SIZE": str(VIDEO_BYTES),
        "SOCIALSCHED_PUBLISH_WORKERS": str(plan.workers),
        "SOCIALSCHED_PUBLISH_LEASE_S": str(plan.lease_s),
        "SOCIALSCHED_RATE_LIMITS": rate_limits(scenario),
    }
    env = open_environment(
        stack, database_url=postgres.url, redis_url=redis.url, sandbox_settings=SANDBOX_SETTINGS,
        latency_ms=plan.latency_ms, publish_env=publish_env,
    )  # fmt: skip
    if plan.dagster_storage == "postgres":
        dagster_on_postgres(env, postgres.create_database("dagster"))
    if log_dir:
        stack.callback(_keep_logs, env, own, log_dir)
    seed(env, scenario, interleave=True)
    return env, postgres, redis


def _inject(rig: Rig, probe: Probe, clock: Callable[[], str], progress) -> list[FaultRecord]:
    """Each fault after a quiet gap, then wait until publishing resumed and the killed
    processes' targets are final, or the recovery limit passed."""
    plan, log, records = rig.plan, rig.log, []
    for name in plan.faults:
        time.sleep(plan.gap_s)
        log(f"  {clock()}  {name} ...")
        record = INJECT[name](rig)
        records.append(record)
        log(f"  {clock()}  {name} ended: {record.detail}; {len(record.orphans)} orphaned")

        def recovered(record=record) -> bool:
            return (
                probe.ledger_after(record.end)
                and probe.published_after(record.end)
                and probe.open_count(record.orphans) == 0
            )

        wait(recovered, record.end + plan.recovery_limit_s, progress)
    return records


def run_chaos(plan: ChaosPlan, log: Callable[[str], None] = print, log_dir: Path | None = None):
    """The whole drill; returns every figure (see chaos_report) and the list of problems."""
    unknown = set(plan.faults) - set(INJECT)
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    span = plan.load_span_s()
    scenario = Scenario("chaos", plan.posts, plan.accounts_per_platform, plan.start_in_s, span)
    with ExitStack() as stack:
        env, postgres, redis = _open(stack, plan, scenario, log_dir)
        probe = Probe(env)
        first_due, last_due = probe.due_range()
        daemon = Daemon(env)
        daemon.start()
        stack.callback(daemon.stop)
        t0 = time.time()

        def clock() -> str:
            return f"t+{time.time() - t0:6.0f} s"

        def progress() -> None:
            log(f"  {clock()}  {probe.statuses()}; ledger {probe.refresh()}")

        log(
            f"chaos: {plan.posts} targets over {len(Platform) * plan.accounts_per_platform} "
            f"accounts, due from +{plan.start_in_s:.0f} s over {span:.0f} s "
            f"({plan.posts / span:.1f}/s); "
            f"Dagster storage: {plan.dagster_storage}; recovery limit "
            f"{plan.recovery_limit_s:.0f} s (lease + 30 s)"
        )
        flowing = wait(
            lambda: probe.ledger_after(0) and probe.published_after(0), first_due + 180, progress
        )
        records = []
        if flowing:
            records = _inject(Rig(env, daemon, postgres, redis, plan, log), probe, clock, progress)
        else:
            log("  nothing was published in the first 3 minutes: faults not injected")
        log(f"  {clock()}  faults done; draining")
        wait(lambda: probe.open_count() == 0, max(last_due, time.time()) + plan.drain_s, progress)
        # The state "at the end", before the daemon's graceful stop releases anything.
        ledger, targets = env.sandbox.control.ledger(), read_targets(env.db)
        stats = env.sandbox.control.stats()
        ended = time.time()
        # Runs our own stop interrupts end FAILURE in Dagster too: not a fault's doing.
        stopped = started_runs(env)
        daemon.stop()
        runs = run_summary(env, {*stopped, *(run for r in records for run in r.killed_runs)})
    figures = [recovery(r, ledger, targets, plan.recovery_limit_s) for r in records]
    for fig, r in zip(figures, records, strict=True):
        fig.update(start_s=round(r.start - t0, 1), end_s=round(r.end - t0, 1))
    outcome = tally(ledger, targets)
    problems = verdict(outcome, figures) + ([] if flowing else ["publishing never started"])
    return {
        "plan": {**asdict(plan), "load_span_s": span},
        "recovery_limit_s": plan.recovery_limit_s,
        "first_due_s": round(first_due - t0, 1),
        "last_due_s": round(last_due - t0, 1),
        "wall_s": round(ended - t0, 1),
        "faults": figures,
        "records": [asdict(r) for r in records],
        "t0": t0,
        "outcome": outcome,
        "runs": runs,
        "sandbox": {k: stats.get(k) for k in SANDBOX_FIGURES},
        "problems": problems,
        "ok": not problems,
    }


def _keep_logs(env: BenchEnvironment, own: Path, log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    for path in [*env.root.glob("daemon-*.log"), *own.glob("*.log"), env.sandbox.log_path]:
        if path.exists():
            shutil.copy(path, log_dir / path.name)
