"""A publishing scenario driven through the real sensor, daemon and run workers.

Seeds accounts (tokens minted by the sandbox) and posts due from `start_in_s` on, spread over
`spread_s`; starts `dagster-daemon`; waits until every target is final; reads the outcome from
the app database, the sandbox ledger (duplicates) and Dagster's run storage (runs launched).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ..cli.demo_cmd import REPO_ROOT
from ..domain.content import Media, MediaKind, PostContent
from ..domain.platforms import Platform
from ..intake.post_request import PostRequest
from ..publishing.summary import percentile
from ..store.accounts import add_account
from ..store.models import PostTarget, utcnow
from ..store.posts import insert_posts
from .environment import BenchEnvironment

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
    if platform is Platform.INSTAGRAM:
        image = Media(f"https://cdn.example.com/bench/{n}.jpg", MediaKind.IMAGE)
        return PostContent(text=f"bench {n} #bench", media=(image,))
    if platform is Platform.FACEBOOK:
        return PostContent(text=f"bench post {n}")
    video = Media(f"https://cdn.example.com/bench/{n}.mp4", MediaKind.VIDEO)
    return PostContent(title=f"bench video {n}", description="bench", media=(video,))


def seed(env: BenchEnvironment, scenario: Scenario) -> None:
    platforms = list(Platform)
    start = utcnow() + timedelta(seconds=scenario.start_in_s)

    def work(session):
        accounts = []
        for platform in platforms:
            for i in range(scenario.accounts_per_platform):
                external_id = f"{platform.value[:2]}{i:06d}"
                issued = env.sandbox.control.mint_token(platform.value, external_id)
                account = add_account(
                    session, env.cipher, platform=platform, external_id=external_id,
                    handle=f"bench_{platform.value}_{i}", access_token=issued["access_token"],
                    refresh_token=issued.get("refresh_token"),
                )  # fmt: skip
                accounts.append((platform, account.id))
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


def run_daemon_until_done(env: BenchEnvironment, scenario: Scenario) -> float:
    """Start the daemon, wait until every target is final; returns the wall time waited."""
    bin_dir = Path(sys.executable).parent
    log = open(env.root / "daemon.log", "w")  # noqa: SIM115 - closed below
    daemon = subprocess.Popen(
        [str(bin_dir / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT, env=env.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
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
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
        log.close()
    return time.monotonic() - started


def measure(env: BenchEnvironment, scenario: Scenario, waited_s: float) -> dict:
    from dagster import DagsterInstance

    with env.db.session() as s:
        targets = s.scalars(select(PostTarget)).all()
    ledger = env.sandbox.control.ledger()
    stats = env.sandbox.control.stats()
    sent = [int(e["target"]) for e in ledger if e.get("target")]
    published = [t for t in targets if t.status == "published"]
    lateness = [(t.published_at - t.due_at).total_seconds() for t in published]
    os.environ["DAGSTER_HOME"] = env.env["DAGSTER_HOME"]
    with DagsterInstance.get() as instance:
        runs = instance.get_runs()
    statuses: dict[str, int] = {}
    for t in targets:
        statuses[t.status] = statuses.get(t.status, 0) + 1
    return {
        "scenario": scenario.name,
        "targets": len(targets),
        "published": len(published),
        "statuses": statuses,
        "duplicates": len(sent) - len(set(sent)),
        "lost": len([t for t in targets if t.status != "published" and t.id not in set(sent)]),
        "rate_limit_violations": stats.get("rate_limit_violations", 0),
        "lateness_p50_s": percentile(lateness, 50),
        "lateness_p95_s": percentile(lateness, 95),
        "lateness_p99_s": percentile(lateness, 99),
        "lateness_max_s": max(lateness) if lateness else None,
        "runs_launched": len(runs),
        "wall_s": round(waited_s, 1),
    }
