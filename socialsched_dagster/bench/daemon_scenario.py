"""A publishing scenario driven through the real sensor, daemon and run workers.

Seeds accounts on every platform of the registry (accounts.py: tokens minted by the sandbox) and
each platform's sample posts due from `start_in_s` on, spread over `spread_s`; starts
`dagster-daemon`; waits until every target is final; reads the outcome from the app database,
the sandbox ledger (duplicates, ledger_counts.py) and Dagster's run storage (runs launched).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ..cli.demo_cmd import REPO_ROOT
from ..cli.process_group import stop_process_group
from ..domain.content import PostContent
from ..domain.platforms import Platform
from ..domain.post_requests import PostRequest
from ..platforms.registry import spec
from ..publishing.summary import percentile
from ..store.accounts import add_account
from ..store.models import PostTarget, utcnow
from ..store.posts import insert_posts
from .accounts import bench_accounts
from .environment import MEDIA_HOST, BenchEnvironment
from .ledger_counts import LedgerCount, count_ledger

FINAL = {"published", "failed", "missed", "cancelled", "held"}


@dataclass(frozen=True)
class Scenario:
    name: str
    posts: int
    accounts_per_platform: int
    start_in_s: float
    spread_s: float
    timeout_s: float = 600


def _content(platform: Platform, n: int) -> PostContent:
    """The platform's typical post (its spec's samples), its media on the bench's stand-in host."""
    return spec(platform).samples.content(n, MEDIA_HOST)


def seed(env: BenchEnvironment, scenario: Scenario, interleave: bool = False) -> None:
    """`accounts_per_platform` accounts on every platform, and the posts round-robin over them:
    post n goes to account n mod (all accounts), so every platform gets its share."""
    minted = bench_accounts(env.sandbox, scenario.accounts_per_platform)

    def work(session):
        accounts = []
        for a in minted:
            account = add_account(
                session, env.cipher, platform=a.platform, external_id=a.external_id,
                handle=a.handle, access_token=a.access_token, refresh_token=a.refresh_token,
                expires_at=a.expires_at, server_url=a.server_url,
            )  # fmt: skip
            accounts.append((a.platform, account.id))
        if interleave:  # consecutive posts on alternating platforms, not in blocks per platform
            n, platforms = scenario.accounts_per_platform, len(Platform)
            accounts = [accounts[p * n + i] for i in range(n) for p in range(platforms)]
        # From now, not from before the accounts: minting a thousand tokens takes a while.
        start = utcnow() + timedelta(seconds=scenario.start_in_s)
        step = scenario.spread_s / max(1, scenario.posts - 1)
        requests = []
        for n in range(scenario.posts):
            platform, account_id = accounts[n % len(accounts)]
            due = start + timedelta(seconds=n * step)
            requests.append(
                PostRequest(
                    _content(platform, n),
                    due,
                    "UTC",
                    (account_id,),
                    frozenset(),
                    "bench",
                    f"bench-{scenario.name}-{n}",
                )
            )
        insert_posts(session, requests)

    env.db.transaction(work, name="seed bench")


@dataclass(frozen=True)
class DaemonUsage:
    wall_s: float
    cpu_s: float  # the daemon's process group: daemon, sensor ticks, code server, every run


class GroupCpu:
    """CPU time of every process in one process group, sampled while they live.

    Not RUSAGE_CHILDREN: Dagster's code server outlives the daemon and gets re-parented, so the
    runs' usage never reaches us through wait(). Runs keep the daemon's process group, so the
    group finds them all. A process's last under-a-second is missed; publishing runs report
    their exact figure in their materialization, which `measure` reads as well.
    """

    def __init__(self, pgid: int, interval_s: float = 0.5):
        import psutil

        self._psutil, self.pgid, self.interval_s = psutil, pgid, interval_s
        self._seen: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="group-cpu")

    def __enter__(self) -> GroupCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        return sum(self._seen.values())

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        for proc in self._psutil.process_iter():
            try:
                if os.getpgid(proc.pid) != self.pgid:
                    continue
                times = proc.cpu_times()
                self._seen[(proc.pid, proc.create_time())] = times.user + times.system
            except (ProcessLookupError, self._psutil.Error):
                continue  # gone between listing and reading


def run_daemon_until_done(env: BenchEnvironment, scenario: Scenario) -> DaemonUsage:
    """Start the daemon, wait until every target is final, stop it; what it cost."""
    bin_dir = Path(sys.executable).parent
    log = open(env.root / "daemon.log", "w")  # noqa: SIM115 - closed below
    daemon = subprocess.Popen(
        [str(bin_dir / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT, env=env.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    cpu = GroupCpu(daemon.pid).__enter__()
    try:
        while time.monotonic() - started < scenario.timeout_s:
            with env.db.session() as s:
                open_targets = s.scalar(
                    select(PostTarget.id).where(PostTarget.status.not_in(FINAL)).limit(1)
                )
            if open_targets is None:
                break
            time.sleep(1)
    finally:
        cpu.sample()  # the runs' last figures, before they go
        stop_process_group(daemon.pid, grace_s=30)
        daemon.wait()
        cpu.__exit__()
        log.close()
    return DaemonUsage(time.monotonic() - started, cpu.cpu_s)


def _run_usage(instance) -> list[dict]:
    """Per publishing run: the CPU time and peak RSS it recorded in its materialization."""
    from dagster import AssetKey

    usage = []
    for platform in Platform:
        records = instance.fetch_materializations(
            AssetKey(f"{platform.value}_posts"), limit=1000
        ).records
        for record in records:
            meta = record.asset_materialization.metadata if record.asset_materialization else {}
            if "peak_rss_mb" in meta:
                usage.append(
                    {"cpu_s": meta["process_cpu_s"].value, "rss_mb": meta["peak_rss_mb"].value}
                )
    return usage


def measure(env: BenchEnvironment, scenario: Scenario, daemon: DaemonUsage) -> dict:
    from dagster import DagsterInstance

    with env.db.session() as s:
        targets = s.scalars(select(PostTarget)).all()
    ledger = count_ledger(env.sandbox.control.ledger())
    stats = env.sandbox.control.stats()
    published = [t for t in targets if t.status == "published"]
    lateness = [(t.published_at - t.due_at).total_seconds() for t in published]
    os.environ["DAGSTER_HOME"] = env.env["DAGSTER_HOME"]
    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
        run_usage = _run_usage(instance)
    statuses: dict[str, int] = {}
    for t in targets:
        statuses[t.status] = statuses.get(t.status, 0) + 1
    # From the first due time to the last publish: the rate the pipeline actually sustained.
    span = (
        (max(t.published_at for t in published) - min(t.due_at for t in published)).total_seconds()
        if published
        else 0.0
    )
    per_1000 = 1000 / len(published) if published else 0.0
    return {
        "scenario": scenario.name,
        "targets": len(targets),
        "accounts": len(Platform) * scenario.accounts_per_platform,
        "published": len(published),
        "statuses": statuses,
        "duplicates": ledger.duplicate_total,
        "lost": len([t for t in targets if t.status != "published" and t.id not in ledger.sent]),
        "rate_limit_violations": stats.get("rate_limit_violations", 0),
        "lateness_p50_s": percentile(lateness, 50),
        "lateness_p95_s": percentile(lateness, 95),
        "lateness_p99_s": percentile(lateness, 99),
        "lateness_max_s": max(lateness) if lateness else None,
        "throughput_targets_per_s": round(len(published) / span, 1) if span > 0 else None,
        "runs_launched": len(runs),
        "cpu_s_per_1000": round(daemon.cpu_s * per_1000, 2),
        "run_cpu_s_per_1000": round(sum(u["cpu_s"] for u in run_usage) * per_1000, 2),
        "peak_run_rss_mb": max((u["rss_mb"] for u in run_usage), default=None),
        "wall_s": round(daemon.wall_s, 1),
        "by_platform": _by_platform(targets, ledger),
    }


def _by_platform(targets: list[PostTarget], ledger: LedgerCount) -> dict[str, dict[str, int]]:
    """Targets and published per platform (app database), posts and duplicates (ledger)."""
    out = {p.value: {"targets": 0, "published": 0, "posts": 0, "duplicates": 0} for p in Platform}
    for t in targets:
        out[t.platform]["targets"] += 1
        out[t.platform]["published"] += t.status == "published"
    for platform, counts in ledger.by_platform().items():
        out[platform].update(counts)
    return out
