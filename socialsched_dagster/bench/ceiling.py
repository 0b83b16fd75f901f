"""The ceiling: the platform calls the pipeline makes per target, made from a bare asyncio loop.

The pipeline's throughput means little alone: the sandbox, the loopback and one Python process
cap any client. So this scenario makes the very same calls per target (Instagram: container,
status, media_publish; Facebook: feed; YouTube: session, status query, upload) straight from
`concurrency` asyncio workers on httpx.AsyncClient, with no database, no Dagster and no retries,
all targets due at once, so the pipeline can be quoted as a fraction of it. Content, accounts
and target ids follow the daemon scenario, and the target header is the pipeline's, so the
ledger counts duplicates alike.

Left out on purpose: the Instagram publishing-limit GET, which the pipeline caches per account
for a minute (a handful of calls per account per run), and the video byte generation, which is
client work, not a platform call: one buffer of `video_size` bytes is sent for every upload.
The sandbox state persists per SandboxProcess (Instagram's 50 posts a day per account among
it), so each run wants a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from ..domain.content import PostContent
from ..domain.platforms import Platform
from ..platforms.config import PlatformConfig
from ..platforms.http import TARGET_HEADER, USER_AGENT, retry_after_seconds
from ..platforms.youtube.client import UPLOAD_PATH
from ..platforms.youtube.video_source import content_type_of
from ..sandbox.process import SandboxProcess
from .daemon_scenario import BENCH_PLATFORMS, _content

# The daemon benchmark's settings: an audited YouTube project, or 6 uploads a day cap the run.
SANDBOX_SETTINGS: dict[str, Any] = {"yt_quota_units_per_day": 10_000_000}

_DEFAULTS = PlatformConfig()
# Graph answers a throttle with HTTP 400 and one of these codes (YouTube with a 429).
_META_THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002}
# A throttle is waited out only when the answer says for how long, and only briefly: a spent
# hourly budget is a failure here, not something to sleep through.
_MAX_THROTTLE_WAITS = 3
_MAX_THROTTLE_WAIT_S = 10.0


@dataclass(frozen=True)
class _Target:
    id: int  # what the ledger records from the target header
    platform: Platform
    account: str  # external id
    token: str
    content: PostContent


class _Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Publisher:
    """One target = the pipeline's calls for its platform; counters are all the loop keeps."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, video: bytes) -> None:
        self.http = http
        self.graph = f"{base_url.rstrip('/')}/{_DEFAULTS.graph_version}"
        self.upload_url = f"{base_url.rstrip('/')}{UPLOAD_PATH}"
        self.video = video
        self.calls = 0
        self.rate_limited = 0

    async def send(self, what: str, method: str, url: str, **kw: Any) -> httpx.Response:
        for waits in range(_MAX_THROTTLE_WAITS + 1):
            self.calls += 1  # counted before sending: a call that raises was still made
            response = await self.http.request(method, url, **kw)
            if not _throttled(response):
                return response
            self.rate_limited += 1
            wait = retry_after_seconds(response.headers)
            if wait is None or wait > _MAX_THROTTLE_WAIT_S or waits == _MAX_THROTTLE_WAITS:
                break
            await asyncio.sleep(wait)
        raise _Failed(f"{what}: throttled")

    async def expect(
        self, what: str, ok: tuple[int, ...], method: str, url: str, **kw: Any
    ) -> httpx.Response:
        response = await self.send(what, method, url, **kw)
        if response.status_code not in ok:
            raise _Failed(f"{what}: HTTP {response.status_code}")
        return response

    async def publish(self, t: _Target) -> None:
        headers = {"Authorization": f"Bearer {t.token}", TARGET_HEADER: str(t.id)}
        if t.platform is Platform.INSTAGRAM:
            await self._instagram(t, headers)
        elif t.platform is Platform.FACEBOOK:
            data = {"message": t.content.text}
            await self._graph_id("facebook feed", f"{t.account}/feed", headers, data)
        else:
            await self._youtube(t, headers)

    async def _graph_id(self, what: str, path: str, headers: dict, data: dict) -> str:
        response = await self.expect(
            what, (200,), "POST", f"{self.graph}/{path}", data=data, headers=headers
        )
        ident = response.json().get("id")
        if not ident:
            raise _Failed(f"{what}: no id")
        return str(ident)

    async def _instagram(self, t: _Target, headers: dict) -> None:
        data = {"image_url": t.content.media[0].url, "caption": t.content.text}
        container = await self._graph_id("instagram container", f"{t.account}/media", headers, data)
        # The pipeline asks the container's status before every publish (images are ready at
        # once, so this is one GET), then publishes.
        deadline = time.monotonic() + _DEFAULTS.container_poll_timeout_s
        while True:
            response = await self.expect(
                "instagram status", (200,), "GET", f"{self.graph}/{container}",
                params={"fields": "status_code,status"}, headers=headers,
            )  # fmt: skip
            code = str(response.json().get("status_code", "")).upper()
            if code == "FINISHED":
                break
            if code != "IN_PROGRESS" or time.monotonic() > deadline:
                raise _Failed(f"instagram status: {code or 'none'}")
            await asyncio.sleep(_DEFAULTS.container_poll_interval_s)
        data = {"creation_id": container}
        await self._graph_id("instagram publish", f"{t.account}/media_publish", headers, data)

    async def _youtube(self, t: _Target, headers: dict) -> None:
        c, size = t.content, len(self.video)
        content_type = content_type_of(c.media[0].url)
        metadata = {
            "snippet": {"title": c.title, "description": c.description, "categoryId": "22"},
            "status": {"privacyStatus": "public"},
        }
        opened = await self.expect(
            "youtube session", (200, 201), "POST", self.upload_url,
            params={"uploadType": "resumable", "part": "snippet,status"}, json=metadata,
            headers={**headers, "X-Upload-Content-Length": str(size),
                     "X-Upload-Content-Type": content_type},
        )  # fmt: skip
        session = opened.headers.get("location")
        if not session:
            raise _Failed("youtube session: no Location")
        # As the pipeline does: ask the session where it stands before sending any bytes.
        status = {**headers, "Content-Range": f"bytes */{size}"}
        response = await self.expect("youtube status", (308,), "PUT", session, headers=status)
        offset = _resume_offset(response)
        chunk = _DEFAULTS.youtube_chunk_size
        while True:
            end = min(offset + chunk, size) - 1
            part = {
                **headers,
                "Content-Range": f"bytes {offset}-{end}/{size}",
                "Content-Type": content_type,
            }
            response = await self.expect(
                "youtube upload", (200, 201, 308), "PUT", session,
                content=self.video[offset : end + 1], headers=part,
            )  # fmt: skip
            if response.status_code != 308:
                if not response.json().get("id"):
                    raise _Failed("youtube upload: no id")
                return
            resumed = _resume_offset(response)
            if resumed <= offset:
                raise _Failed("youtube upload: no progress")
            offset = resumed


def _throttled(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 400:
        return False
    try:
        return response.json()["error"]["code"] in _META_THROTTLE_CODES
    except (ValueError, KeyError, TypeError):
        return False


def _resume_offset(response: httpx.Response) -> int:
    """Where a 308 says to go on: after its Range, or 0 when nothing is stored yet."""
    stored = response.headers.get("range")
    return int(stored.rsplit("-", 1)[1]) + 1 if stored else 0


def _plan(sandbox: SandboxProcess, targets: int, accounts_per_platform: int) -> list[_Target]:
    """daemon_scenario.seed's accounts and round-robin, without the database."""
    accounts = []
    for platform in BENCH_PLATFORMS:
        for i in range(accounts_per_platform):
            external_id = f"{platform.value[:2]}{i:06d}"
            token = sandbox.control.mint_token(platform.value, external_id)["access_token"]
            accounts.append((platform, external_id, token))
    plan = []
    for n in range(targets):
        platform, external_id, token = accounts[n % len(accounts)]
        plan.append(_Target(n + 1, platform, external_id, token, _content(platform, n)))
    return plan


def _client(tls: ssl.SSLContext) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        connect=_DEFAULTS.connect_timeout_s, read=_DEFAULTS.read_timeout_s,
        write=_DEFAULTS.write_timeout_s, pool=_DEFAULTS.pool_timeout_s,
    )  # fmt: skip
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"User-Agent": USER_AGENT}
    return httpx.AsyncClient(
        limits=limits, timeout=timeout, headers=headers, follow_redirects=False, verify=tls
    )


async def _run(
    base_url: str, plan: list[_Target], concurrency: int, video: bytes
) -> tuple[list[_Publisher], Counter[str]]:
    """`concurrency` workers, each with its own one-connection client, share one queue.

    Not one client with `concurrency` connections: httpcore (1.0.x) scans its whole pool
    (connections x waiting requests) on every request and every release; at 48 connections
    that scan took three quarters of this process's CPU and held the loop to 69 targets/s
    where this does 370. A worker per slot is the same concurrency a Semaphore would give,
    without the scan.
    """
    failures: Counter[str] = Counter()
    pending = iter(plan)  # shared: each `next` hands a target to exactly one worker

    async def work(publisher: _Publisher) -> None:
        for target in pending:
            try:
                await publisher.publish(target)
            except _Failed as exc:
                failures[exc.reason] += 1
            except (httpx.HTTPError, ValueError) as exc:  # transport, or a body not JSON
                failures[f"{target.platform.value}: {type(exc).__name__}"] += 1

    # The sandbox speaks plain HTTP, but every client would still load the CA bundle (16 ms
    # each) into a TLS context of its own: one shared context loads it once.
    tls = httpx.create_ssl_context()
    async with contextlib.AsyncExitStack() as stack:
        publishers = [
            _Publisher(await stack.enter_async_context(_client(tls)), base_url, video)
            for _ in range(concurrency)
        ]
        await asyncio.gather(*(work(p) for p in publishers))
    return publishers, failures


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
    at least the sandbox's latency, so calls/s can never pass `concurrency / latency`: at 48
    and 50 ms that is 960 calls/s, 411 targets/s at this mix (7 calls per 3 targets).
    """
    if targets < 1 or accounts_per_platform < 1 or concurrency < 1 or video_size < 1:
        raise ValueError("targets, accounts_per_platform, concurrency and video_size must be >= 1")
    plan = _plan(sandbox, targets, accounts_per_platform)
    video = bytes(video_size)  # the sandbox counts bytes and keeps none: any bytes will do
    before = sandbox.control.stats()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    publishers, failures = asyncio.run(_run(sandbox.base_url, plan, concurrency, video))
    wall_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0

    after = sandbox.control.stats()
    ledger = sandbox.control.ledger(since=before["ledger_size"])
    sent = [int(e["target"]) for e in ledger if e.get("target")]
    failed = sum(failures.values())
    calls = sum(p.calls for p in publishers)
    return {
        "scenario": "ceiling",
        "targets": targets,
        "published": targets - failed,
        "failed": failed,
        "failures": dict(failures.most_common()),
        "duplicates": len(sent) - len(set(sent)),
        "rate_limited": sum(p.rate_limited for p in publishers),
        "rate_limit_violations": after["rate_limit_violations"] - before["rate_limit_violations"],
        "calls": calls,
        "wall_s": round(wall_s, 3),
        "throughput_targets_per_s": round((targets - failed) / wall_s, 1),
        "throughput_calls_per_s": round(calls / wall_s, 1),
        "cpu_s": round(cpu_s, 3),
        "cpu_s_per_1000": round(1000 * cpu_s / targets, 3),
        "concurrency": concurrency,
    }
