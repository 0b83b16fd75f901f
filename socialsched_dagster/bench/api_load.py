"""The HTTP API's load generator: N virtual clients, each on its own keep-alive connection with
its own API key, looping create / get / list for a duration. Run in a process of its own
(`python -m socialsched_dagster.bench.api_load CONFIG OUT`), so that its CPU is not the
server's and is reported apart.

Each client is what an integration or a dashboard does: it creates posts (with an
`Idempotency-Key`, and now and then sends the same create again, as after a lost response),
reads posts it knows, and pages through its workspace's posts with the cursor; between two
requests it waits an exponentially distributed think time. Every answer is recorded: its
latency (all samples are kept, so the percentiles are exact), status, and the server's
`Server-Timing` figures when present (api/timing.py). An error is anything not 2xx and every
transport failure.

The config file (JSON, mode 0600) carries the keys: never argv, which every user can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import ssl
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from ..publishing.summary import percentile
from ..store.models import utcnow

ENDPOINTS = ("create", "get", "list")


@dataclass(frozen=True)
class LoadConfig:
    base_url: str
    keys: list[str]  # one per virtual client
    accounts: list[list[str]]  # per client: the `platform:handle` refs of its workspace
    duration_s: float = 300.0
    think_s: float = 5.0  # mean think time between two requests of one client
    think_max_s: float = 20.0  # below the server's keep-alive timeout
    mix: dict[str, float] = field(default_factory=lambda: {"create": 0.2, "get": 0.5, "list": 0.3})
    replay_share: float = 0.03  # of creates: the previous create sent again, same key
    list_limit: int = 50
    timeout_s: float = 30.0
    seed: int = 13

    @classmethod
    def read(cls, path: Path) -> LoadConfig:
        return cls(**json.loads(path.read_text()))


@dataclass
class Recorder:
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # Server-Timing, per endpoint and metric: the server's own account of each request.
    timing: dict[str, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    replayed: int = 0

    def record(self, endpoint: str, elapsed_s: float, response: httpx.Response | None, error=None):
        self.latency_ms[endpoint].append(elapsed_s * 1000)
        if response is None:
            self.statuses[endpoint]["transport"] += 1
            self.errors[endpoint][type(error).__name__] += 1
            return
        self.statuses[endpoint][str(response.status_code)] += 1
        if not 200 <= response.status_code < 300:
            self.errors[endpoint][str(response.status_code)] += 1
        metrics = parse_server_timing(response.headers.get("server-timing", ""))
        for name, value in metrics.items():
            self.timing[endpoint][name].append(value)
        if "app" in metrics:
            # Time outside the app: the server's event loop and HTTP parsing, the wire, and
            # this generator's own event loop.
            self.timing[endpoint]["outside"].append(elapsed_s * 1000 - metrics["app"])


def parse_server_timing(header: str) -> dict[str, float]:
    """`app;dur=12.5, db;dur=3.1;desc="4 queries"` -> {"app": 12.5, "db": 3.1}."""
    out = {}
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        for param in params:
            if param.startswith("dur="):
                with contextlib.suppress(ValueError):
                    out[name] = float(param[4:])
    return out


class VirtualClient:
    def __init__(self, n: int, config: LoadConfig, recorder: Recorder, ssl_context, deadline):
        self.n, self.config, self.recorder, self.deadline = n, config, recorder, deadline
        self.rng = random.Random(config.seed * 100_003 + n)
        self.accounts = config.accounts[n]
        self.known: list[int] = []  # post ids this client has seen (its own and listed)
        self.cursor: str | None = None
        self.last_create: tuple[str, dict] | None = None
        # One connection per client, kept alive between requests: 1,000 clients hold 1,000
        # connections, as 1,000 separate apps would. The SSL context is built once for all.
        self.http = httpx.AsyncClient(
            base_url=config.base_url,
            headers={"Authorization": f"Bearer {config.keys[n]}"},
            timeout=config.timeout_s,
            transport=httpx.AsyncHTTPTransport(
                verify=ssl_context, limits=httpx.Limits(max_connections=1)
            ),
        )
        names = list(config.mix)
        self._names, self._weights = names, [config.mix[k] for k in names]

    def think(self) -> float:
        return min(self.config.think_max_s, self.rng.expovariate(1 / self.config.think_s))

    async def run(self) -> None:
        try:
            # Clients arrive spread over one think time, not all in the first millisecond.
            await asyncio.sleep(self.rng.uniform(0, self.config.think_s * 2))
            while time.monotonic() < self.deadline:
                action = self.rng.choices(self._names, self._weights)[0]
                if action == "get" and not self.known:
                    action = "list"
                await getattr(self, f"_{action}")()
                await asyncio.sleep(self.think())
        finally:
            await self.http.aclose()

    async def _send(self, endpoint: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.record(endpoint, time.perf_counter() - started, None, exc)
            return None
        self.recorder.record(endpoint, time.perf_counter() - started, response)
        return response

    def _body(self) -> dict:
        # Far enough ahead that the publishing pipeline never sees the load's posts: those
        # due during the run are the benchmark's own stream (api_bench.py).
        at = utcnow() + timedelta(days=self.rng.randint(30, 300), minutes=self.rng.randint(0, 1439))
        accounts = self.rng.sample(self.accounts, self.rng.randint(1, min(2, len(self.accounts))))
        return {
            "scheduled_at": at.strftime("%Y-%m-%d %H:%M"),
            "timezone": "UTC",
            "accounts": accounts,
            "text": f"Load test post {uuid.uuid4().hex[:8]} from client {self.n} #bench",
        }

    async def _create(self) -> None:
        if self.last_create and self.rng.random() < self.config.replay_share:
            key, body = self.last_create  # a retry after a lost answer: same key, same body
        else:
            key, body = str(uuid.uuid4()), self._body()
            self.last_create = (key, body)
        response = await self._send(
            "create", "POST", "/api/v1/posts", json=body, headers={"Idempotency-Key": key}
        )
        if response is not None and response.status_code == 201:
            if response.headers.get("idempotent-replayed") == "true":
                self.recorder.replayed += 1
            else:
                self._remember(response.json()["id"])

    async def _get(self) -> None:
        await self._send("get", "GET", f"/api/v1/posts/{self.rng.choice(self.known)}")

    async def _list(self) -> None:
        params = {"limit": self.config.list_limit}
        if self.cursor:
            params["cursor"] = self.cursor
        response = await self._send("list", "GET", "/api/v1/posts", params=params)
        if response is not None and response.status_code == 200:
            page = response.json()
            self.cursor = page["next_cursor"]  # None at the end: the next list starts over
            for item in page["items"][:5]:
                self._remember(item["id"])

    def _remember(self, post_id: int) -> None:
        self.known.append(post_id)
        if len(self.known) > 50:
            del self.known[: len(self.known) - 50]


async def _loop_lag(stop: asyncio.Event, lags_ms: list[float], interval_s: float = 0.1) -> None:
    """How late this process's event loop wakes up: when it is saturated, the latencies it
    measures include its own delay, and the report must say so."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(interval_s)
        lags_ms.append((time.perf_counter() - before - interval_s) * 1000)


async def run_load(config: LoadConfig) -> dict:
    recorder = Recorder()
    ssl_context = ssl.create_default_context()
    started = time.monotonic()
    deadline = started + config.duration_s
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    clients = [
        VirtualClient(n, config, recorder, ssl_context, deadline) for n in range(len(config.keys))
    ]
    stop, lags = asyncio.Event(), []
    lag_task = asyncio.create_task(_loop_lag(stop, lags))
    await asyncio.gather(*(c.run() for c in clients))
    wall = time.monotonic() - started
    stop.set()
    await lag_task
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    return summarize(recorder, wall, cpu, lags, clients=len(clients))


def _stats(samples: list[float]) -> dict:
    return {
        "count": len(samples),
        "p50_ms": _round(percentile(samples, 50)),
        "p95_ms": _round(percentile(samples, 95)),
        "p99_ms": _round(percentile(samples, 99)),
        "max_ms": _round(max(samples) if samples else None),
        "mean_ms": _round(sum(samples) / len(samples) if samples else None),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summarize(recorder: Recorder, wall_s: float, cpu_s: float, lags: list[float], clients: int):
    every = [v for samples in recorder.latency_ms.values() for v in samples]
    total = len(every)
    errors = sum(sum(c.values()) for c in recorder.errors.values())
    endpoints = {}
    for name in ENDPOINTS:
        samples = recorder.latency_ms.get(name, [])
        timing = recorder.timing.get(name, {})
        endpoints[name] = {
            **_stats(samples),
            "statuses": dict(recorder.statuses.get(name, {})),
            "errors": dict(recorder.errors.get(name, {})),
            "server_timing": {
                metric: {
                    "mean_ms": _round(sum(v) / len(v)),
                    "p95_ms": _round(percentile(v, 95)),
                    "p99_ms": _round(percentile(v, 99)),
                }
                for metric, v in sorted(timing.items())
                if v
            },
        }
    return {
        "clients": clients,
        "wall_s": round(wall_s, 1),
        "requests": total,
        "requests_per_s": round(total / wall_s, 1) if wall_s else None,
        "errors": errors,
        "error_rate": round(errors / total, 5) if total else None,
        "all": _stats(every),
        "endpoints": endpoints,
        "replayed_creates": recorder.replayed,
        "generator_cpu_s": round(cpu_s, 1),
        "generator_cpu_share": round(cpu_s / wall_s, 3) if wall_s else None,
        "generator_loop_lag_ms": {
            "p50": _round(percentile(lags, 50)),
            "p99": _round(percentile(lags, 99)),
            "max": _round(max(lags) if lags else None),
        },
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m socialsched_dagster.bench.api_load CONFIG.json OUT.json")
        return 2
    config = LoadConfig.read(Path(argv[0]))
    try:
        import uvloop  # the generator's own overhead, as small as it can be

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run_load(config))
    Path(argv[1]).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
