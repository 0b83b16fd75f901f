"""The ceiling: the platform calls the pipeline makes per target, made from a bare asyncio loop.

The pipeline's throughput means little alone: the sandbox, the loopback and one Python process
cap any client. So this scenario makes the very same calls per target, for every platform
(ceiling_calls/: each platform's sequence as its client sends it for the sample posts), straight
from `concurrency` asyncio workers on httpx.AsyncClient, with no database, no Dagster and no
retries, all targets due at once, so the pipeline can be quoted as a fraction of it. Accounts,
content and target ids follow the daemon scenario, and the target header is the pipeline's, so
the ledger counts duplicates alike.

Left out on purpose: the calls a client makes once per account or caches for a while rather
than per post (Instagram's and Threads' publishing-limit GETs, Mastodon's verify_credentials and
instance limits, X's users/me), and media generation, which is client work, not a platform
call: one buffer of `video_size` bytes is sent for every video, the clients' own small stand-in
PNGs for images. The sandbox state persists per SandboxProcess (Instagram's 50 posts a day per
account among it), so each run wants a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import Counter
from typing import Any

import httpx

from ..domain.platform_calls import PublishJob
from ..platforms.config import PlatformConfig
from ..platforms.http import USER_AGENT
from ..sandbox.process import SandboxProcess
from .accounts import bench_accounts
from .ceiling_calls import Caller, Failed, Speak, speaker
from .daemon_scenario import _content
from .ledger_counts import count_ledger

# The daemon benchmark's settings: an audited YouTube project, or 6 uploads a day cap the run.
SANDBOX_SETTINGS: dict[str, Any] = {"yt_quota_units_per_day": 10_000_000}


def _plan(sandbox: SandboxProcess, targets: int, accounts_per_platform: int) -> list[PublishJob]:
    """daemon_scenario.seed's accounts and round-robin, without the database."""
    accounts = bench_accounts(sandbox, accounts_per_platform)
    plan = []
    for n in range(targets):
        a = accounts[n % len(accounts)]
        plan.append(
            PublishJob(
                target_id=n + 1,
                platform=a.platform,
                account_external_id=a.external_id,
                access_token=a.access_token,
                content=_content(a.platform, n),
                server_url=a.server_url,
            )
        )
    return plan


def _client(tls: ssl.SSLContext, config: PlatformConfig) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        connect=config.connect_timeout_s, read=config.read_timeout_s,
        write=config.write_timeout_s, pool=config.pool_timeout_s,
    )  # fmt: skip
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"User-Agent": USER_AGENT}
    return httpx.AsyncClient(
        limits=limits, timeout=timeout, headers=headers, follow_redirects=False, verify=tls
    )


async def _run(
    config: PlatformConfig, plan: list[PublishJob], speakers: dict, concurrency: int, video: bytes
) -> tuple[list[Caller], Counter[str]]:
    """`concurrency` workers, each with its own one-connection client, share one queue.

    Not one client with `concurrency` connections: httpcore (1.0.x) scans its whole pool
    (connections x waiting requests) on every request and every release; at 48 connections
    that scan took three quarters of this process's CPU and held the loop to 69 targets/s
    where this does 370. A worker per slot is the same concurrency a Semaphore would give,
    without the scan.
    """
    failures: Counter[str] = Counter()
    pending = iter(plan)  # shared: each `next` hands a target to exactly one worker
    shared: dict = {}  # per-account state the workers share (a Bluesky session)

    async def work(caller: Caller) -> None:
        for job in pending:
            speak: Speak = speakers[job.platform]
            try:
                await speak(caller, job)
            except Failed as exc:
                failures[exc.reason] += 1
            except (httpx.HTTPError, ValueError) as exc:  # transport, or a body not JSON
                failures[f"{job.platform.value}: {type(exc).__name__}"] += 1

    # The sandbox speaks plain HTTP, but every client would still load the CA bundle (16 ms
    # each) into a TLS context of its own: one shared context loads it once.
    tls = httpx.create_ssl_context()
    async with contextlib.AsyncExitStack() as stack:
        callers = [
            Caller(await stack.enter_async_context(_client(tls, config)), config, video, shared)
            for _ in range(concurrency)
        ]
        await asyncio.gather(*(work(c) for c in callers))
    return callers, failures


def run_ceiling(
    sandbox: SandboxProcess,
    *,
    targets: int,
    accounts_per_platform: int,
    concurrency: int,
    video_size: int = 256 * 1024,
) -> dict:
    """Publish `targets` posts at once through `concurrency` slots; the measurement as a dict.

    `sandbox` must be running, preferably fresh and with SANDBOX_SETTINGS; only the ledger
    entries and rate-limit violations that appear during this run are counted. Each call waits
    at least the sandbox's latency, so calls/s can never pass `concurrency / latency` (960
    calls/s at 48 and 50 ms). NotImplementedError, before anything is sent, for a platform
    whose calls the ceiling does not speak.
    """
    if targets < 1 or accounts_per_platform < 1 or concurrency < 1 or video_size < 1:
        raise ValueError("targets, accounts_per_platform, concurrency and video_size must be >= 1")
    plan = _plan(sandbox, targets, accounts_per_platform)
    speakers = {job.platform: speaker(job.platform) for job in plan}
    config = PlatformConfig.for_sandbox(sandbox.base_url)
    video = bytes(video_size)  # the sandbox counts bytes and keeps none: any bytes will do
    before = sandbox.control.stats()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    callers, failures = asyncio.run(_run(config, plan, speakers, concurrency, video))
    wall_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0

    after = sandbox.control.stats()
    ledger = count_ledger(sandbox.control.ledger(since=before["ledger_size"]))
    failed = sum(failures.values())
    calls = sum(c.calls for c in callers)
    return {
        "scenario": "ceiling",
        "targets": targets,
        "published": targets - failed,
        "failed": failed,
        "failures": dict(failures.most_common()),
        "duplicates": ledger.duplicate_total,
        "rate_limited": sum(c.rate_limited for c in callers),
        "rate_limit_violations": after["rate_limit_violations"] - before["rate_limit_violations"],
        "calls": calls,
        "wall_s": round(wall_s, 3),
        "throughput_targets_per_s": round((targets - failed) / wall_s, 1),
        "throughput_calls_per_s": round(calls / wall_s, 1),
        "cpu_s": round(cpu_s, 3),
        "cpu_s_per_1000": round(1000 * cpu_s / targets, 3),
        "concurrency": concurrency,
        "by_platform": ledger.by_platform(),
    }
