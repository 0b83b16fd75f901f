"""`socialsched bench api`: the HTTP API under load while the publishing pipeline publishes.

One environment (environment.py) on a PostgreSQL server and a Redis server of the benchmark's
own (postgres_server.py, redis_server.py) unless URLs are given; `socialsched api serve` as a
real process with W uvicorn workers; the real Dagster daemon (as daemon_scenario.py starts it)
publishing a steady stream of posts that fall due while the load runs, seeded as the `bench
run` scenarios seed theirs; and the load generator (api_load.py) in a process of its own.

The load's workspaces are teams of `clients_per_workspace` clients, each client with its own
editor key (so no key's rate limit is shared), on accounts of three sandbox platforms, with a
history of posts to list from the start. The load's posts are scheduled weeks ahead: the posts
due during the run are the stream's, in the default workspace, and their lateness is measured
as `bench run` measures it (`published_at - due_at`), their uniqueness from the sandbox ledger.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from ..cli.demo_cmd import REPO_ROOT
from ..domain.content import PostContent
from ..domain.platforms import Platform
from ..domain.post_requests import PostRequest
from ..platforms.registry import spec
from ..publishing.summary import percentile
from ..store.accounts import add_account
from ..store.models import Post, PostTarget, utcnow
from ..store.posts import insert_posts
from ..teams.api_keys import create_key
from ..teams.roles import Role
from ..teams.workspaces import add_workspace
from .accounts import accounts_per_platform, external_id
from .daemon_scenario import FINAL, GroupCpu, Scenario, seed
from .environment import BenchEnvironment, open_environment
from .ledger_counts import count_ledger
from .suite import LATENCY_MS, SANDBOX_SETTINGS, VIDEO_BYTES, WORKERS_PER_RUN, rate_limits

# What issue #13 asks of the API on this 2-core machine.
TARGETS = {
    "p95_ms": 500.0,
    "p99_ms": 1000.0,
    "error_rate": 0.001,
    "lateness_p99_s": 2.0,
}
# The load's workspaces post to platforms that take a text-only post.
LOAD_PLATFORMS = (Platform.MASTODON, Platform.BLUESKY, Platform.FACEBOOK)
# Load accounts are numbered past the stream's (accounts.external_id), so the two never clash.
LOAD_ACCOUNT_OFFSET = 100_000


@dataclass(frozen=True)
class ApiBenchPlan:
    clients: int = 1000
    duration_s: float = 300.0
    workers: int = 2
    think_s: float = 10.0  # mean; 1,000 clients then offer about 95 requests a second
    # uvicorn's idle-connection timeout (SOCIALSCHED_API_KEEP_ALIVE_S): longer than any think
    # time, so each client keeps its one connection, as behind a proxy holding it open.
    keep_alive_s: float = 60.0
    clients_per_workspace: int = 20
    history_posts: int = 100  # per workspace, before the load starts
    list_limit: int = 50
    due_per_s: float = 2.0  # the stream of posts falling due while the load runs
    # From seeding to the first due post: the daemon, the API and the generator start first.
    start_in_s: float = 60.0
    sensor_lead_s: float | None = None  # SOCIALSCHED_PUBLISH_SENSOR_LEAD_S (default 45)
    settle_s: float = 180.0  # after the load, how long the stream's last posts may take
    generator_nice: int = 0
    database_url: str | None = None  # None: a PostgreSQL server of our own
    redis_url: str | None = None  # None: a Redis server of our own
    sqlite: bool = False  # a SQLite file instead of PostgreSQL (the smoke test)

    @property
    def think_max_s(self) -> float:
        """The cap on one think time: each client's connection must outlive its pauses."""
        return min(4 * self.think_s, self.keep_alive_s / 2)

    @property
    def think_effective_s(self) -> float:
        """The mean think time once capped: E[min(X, cap)] of an exponential X."""
        return self.think_s * (1 - math.exp(-self.think_max_s / self.think_s))

    @property
    def due_posts(self) -> int:
        return max(1, round(self.due_per_s * self.duration_s))


@dataclass
class _Process:
    proc: subprocess.Popen
    cpu: GroupCpu
    log: object

    def stop(self, grace_s: float = 30) -> None:
        started = time.monotonic()
        self.cpu.sample()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        # Reaped as soon as it exits: a zombie leader would keep its group "alive" to
        # stop_process_group, which would then wait out the whole grace period.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(grace_s)
        deadline = started + grace_s
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)  # what is left of the group: its runs, servers
            except ProcessLookupError:
                break
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.cpu.__exit__()
        self.log.write(f"\n[bench] stopped in {time.monotonic() - started:.1f} s\n")
        self.log.close()


def _start(args: list[str], env: dict, log_path: Path) -> _Process:
    log = open(log_path, "w")  # noqa: SIM115 - closed by _Process.stop
    proc = subprocess.Popen(
        args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return _Process(proc, GroupCpu(proc.pid).__enter__(), log)


def _servers(stack: ExitStack, plan: ApiBenchPlan, root: Path) -> tuple[str, str, list[int]]:
    """The database and Redis URLs, and the process groups whose CPU is theirs."""
    groups = []
    database_url = plan.database_url
    if plan.sqlite:
        database_url = None
    elif database_url is None:
        from .postgres_server import PostgresServer

        pg = stack.enter_context(PostgresServer())
        database_url = pg.url
        groups.append(pg.pid)
    redis_url = plan.redis_url
    if redis_url is None:
        from .redis_server import RedisServer

        server = stack.enter_context(RedisServer(root))
        redis_url = server.url
        groups.append(_pid_on_port(server.port))
    return database_url, redis_url, groups


def _pid_on_port(port: int) -> int:
    import psutil

    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return conn.pid
    raise RuntimeError(f"nothing listens on port {port}")


class _TreeCpu:
    """CPU time of a process and its children (a server and its backends) between two calls."""

    def __init__(self, pids: list[int]):
        import psutil

        self._procs = [psutil.Process(pid) for pid in pids]
        self._start = self._total()

    def _total(self) -> float:
        import psutil

        total = 0.0
        for proc in self._procs:
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    times = p.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def used(self) -> float:
        return self._total() - self._start


def _load_world(env: BenchEnvironment, plan: ApiBenchPlan) -> tuple[list[str], list[list[str]]]:
    """Workspaces, their accounts and history, and one editor key per client."""
    teams = max(1, -(-plan.clients // plan.clients_per_workspace))
    minted = []
    for platform in LOAD_PLATFORMS:
        for t in range(teams):
            ident = external_id(spec(platform), LOAD_ACCOUNT_OFFSET + t)
            issued = env.sandbox.control.mint_token(platform.value, ident)
            minted.append((platform, t, ident, issued["access_token"]))

    def work(session):
        workspaces, refs, account_ids = [], [[] for _ in range(teams)], [[] for _ in range(teams)]
        for t in range(teams):
            workspaces.append(add_workspace(session, f"load-{t}"))
        for platform, t, ident, token in minted:
            handle = f"load_{platform.value}_{t}"
            account = add_account(
                session, env.cipher, platform=platform, external_id=ident, handle=handle,
                access_token=token, expires_at=utcnow() + timedelta(days=60),
                server_url=env.sandbox.base_url if spec(platform).needs_server else None,
                workspace_id=workspaces[t].id,
            )  # fmt: skip
            refs[t].append(f"{platform.value}:{handle}")
            account_ids[t].append(account.id)
        start = utcnow() + timedelta(days=30)
        for t, workspace in enumerate(workspaces):
            history = [
                PostRequest(
                    PostContent(text=f"history post {n} of {workspace.name} #bench"),
                    start + timedelta(hours=7 * n),
                    "UTC",
                    (account_ids[t][n % len(account_ids[t])],),
                    frozenset(),
                    None,
                    f"history-{t}-{n}",
                )
                for n in range(plan.history_posts)
            ]
            insert_posts(session, history, workspace_id=workspace.id, created_by="bench")
        keys, accounts = [], []
        for n in range(plan.clients):
            t = n // plan.clients_per_workspace
            keys.append(
                create_key(session, workspaces[t], role=Role.EDITOR, name=f"client {n}").plaintext
            )
            accounts.append(refs[t])
        return keys, accounts

    return env.db.transaction(work, name="seed api load")


def _wait_ready(url: str, server: _Process, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the API server exited ({server.proc.returncode}); see its log")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API server did not answer /healthz within {timeout_s:.0f} s")


def _stream_targets(env: BenchEnvironment) -> list[PostTarget]:
    """The stream's targets: the default workspace's (the load's are in its own)."""
    from ..store.models import DEFAULT_WORKSPACE_ID

    with env.db.session() as s:
        return list(
            s.scalars(
                select(PostTarget)
                .join(Post, Post.id == PostTarget.post_id)
                .where(Post.workspace_id == DEFAULT_WORKSPACE_ID)
            )
        )


def _wait_stream_final(env: BenchEnvironment, until: float) -> None:
    while time.monotonic() < until:
        if all(t.status in FINAL for t in _stream_targets(env)):
            return
        time.sleep(1)


def _publishing(env: BenchEnvironment, due_window: tuple) -> dict:
    """Lateness as `bench run` measures it, over the posts that fell due during the load."""
    targets = _stream_targets(env)
    ledger = count_ledger(env.sandbox.control.ledger())
    published = [t for t in targets if t.status == "published"]
    lateness = [(t.published_at - t.due_at).total_seconds() for t in published]
    statuses: dict[str, int] = {}
    for t in targets:
        statuses[t.status] = statuses.get(t.status, 0) + 1
    ids = {t.id for t in targets}
    return {
        "targets": len(targets),
        "published": len(published),
        "statuses": statuses,
        "due_from": due_window[0].isoformat(),
        "due_to": due_window[1].isoformat(),
        "duplicates": ledger.duplicate_total,
        "lost": len([t for t in targets if t.status != "published" and t.id not in ledger.sent]),
        # Ledger entries that are none of the stream's: a load post published would be a bug.
        "foreign_ledger_targets": len(ledger.sent - ids),
        "lateness_p50_s": percentile(lateness, 50),
        "lateness_p95_s": percentile(lateness, 95),
        "lateness_p99_s": percentile(lateness, 99),
        "lateness_max_s": max(lateness) if lateness else None,
    }


class _MachineCpu:
    """Busy share of the whole machine between two points (all cores: 1.0 is every core)."""

    def __init__(self):
        import psutil

        self._psutil = psutil
        self._start = psutil.cpu_times()

    def busy_cores(self) -> float:
        """Cores' worth of CPU used since the start, by every process on the machine."""
        end = self._psutil.cpu_times()
        total = sum(end) - sum(self._start)
        idle = (end.idle + getattr(end, "iowait", 0)) - (
            self._start.idle + getattr(self._start, "iowait", 0)
        )
        cores = self._psutil.cpu_count() or 1
        return (1 - idle / total) * cores if total > 0 else 0.0


def run_api_bench(plan: ApiBenchPlan, log=print, log_dir: Path | None = None) -> dict:
    """The whole benchmark; `log_dir` keeps the daemon's, the API's and the generator's logs."""
    from ..sandbox.process import free_port

    began = time.monotonic()

    def say(message: str) -> None:
        log(f"[{time.monotonic() - began:4.0f} s] {message}")

    with ExitStack() as stack:
        root = Path(tempfile.mkdtemp(prefix="socialsched-apibench-"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)

        database_url, redis_url, server_groups = _servers(stack, plan, root)
        scenario = Scenario(
            "api", plan.due_posts, accounts_per_platform(plan.due_posts), plan.start_in_s,
            spread_s=plan.duration_s,
        )  # fmt: skip
        publish_env = {
            "SOCIALSCHED_PLATFORM_SYNTHETIC_VIDEO_SIZE": str(VIDEO_BYTES),
            "SOCIALSCHED_PUBLISH_WORKERS": str(WORKERS_PER_RUN),
            "SOCIALSCHED_RATE_LIMITS": rate_limits(scenario),
        }
        if plan.sensor_lead_s is not None:
            publish_env["SOCIALSCHED_PUBLISH_SENSOR_LEAD_S"] = str(plan.sensor_lead_s)
        env = open_environment(
            stack, database_url=database_url, redis_url=redis_url,
            sandbox_settings=SANDBOX_SETTINGS, latency_ms=LATENCY_MS, publish_env=publish_env,
        )  # fmt: skip
        if log_dir:  # before the environment's directory goes
            stack.callback(_keep_logs, env.root, log_dir)
        # The daemon first: its start-up overlaps the seeding.
        bin_dir = Path(sys.executable).parent
        daemon = _start(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
            env.env, env.root / "daemon.log",
        )  # fmt: skip
        stack.callback(daemon.stop)
        say(f"seeding {plan.clients} clients' keys and workspaces ...")
        keys, accounts = _load_world(env, plan)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        api_env = {
            **env.env,
            "SOCIALSCHED_API_SERVER_TIMING": "1",
            "SOCIALSCHED_API_HOST": "127.0.0.1",
            "SOCIALSCHED_API_PORT": str(port),
            "SOCIALSCHED_API_KEEP_ALIVE_S": str(plan.keep_alive_s),
        }
        server = _start(
            [str(bin_dir / "socialsched"), "api", "serve", "--workers", str(plan.workers)],
            api_env, env.root / "api.log",
        )  # fmt: skip
        stack.callback(server.stop)
        _wait_ready(url, server)
        # The stream is seeded last, so its first post falls due start_in_s from now, with the
        # daemon and the API already up.
        seed(env, scenario)
        first_due = utcnow() + timedelta(seconds=plan.start_in_s)
        due_window = (first_due, first_due + timedelta(seconds=plan.duration_s))
        config_path, out_path = env.root / "load.json", env.root / "load-result.json"
        config_path.touch(mode=0o600)
        config_path.write_text(
            json.dumps(
                {
                    "base_url": url,
                    "keys": keys,
                    "accounts": accounts,
                    "duration_s": plan.duration_s,
                    "think_s": plan.think_s,
                    "think_max_s": plan.think_max_s,
                    "list_limit": plan.list_limit,
                }
            )
        )
        say(f"API up ({plan.workers} worker(s)), daemon up; load starts in {plan.start_in_s:.0f} s")
        time.sleep(max(0.0, (first_due - utcnow()).total_seconds()))
        server_cpu_before, daemon_cpu_before = server.cpu.cpu_s, daemon.cpu.cpu_s
        backing_cpu = _TreeCpu(server_groups)
        machine = _MachineCpu()
        say(f"load: {plan.clients} clients for {plan.duration_s:.0f} s ...")
        with open(env.root / "generator.log", "w+") as generator_log:
            generator = subprocess.Popen(
                [sys.executable, "-m", "socialsched_dagster.bench.api_load", config_path,
                 out_path],
                cwd=REPO_ROOT, env=env.env, stdout=generator_log, stderr=subprocess.STDOUT,
                preexec_fn=(lambda: os.nice(plan.generator_nice)) if plan.generator_nice else None,
            )  # fmt: skip
            generator.wait(timeout=plan.duration_s + 300)
            generator_log.seek(0)
            output = generator_log.read()
        machine_cores = machine.busy_cores()
        server.cpu.sample()
        daemon.cpu.sample()
        backing_cpu_s = backing_cpu.used()
        daemon_cpu = daemon.cpu.cpu_s - daemon_cpu_before
        if generator.returncode != 0:
            raise RuntimeError(f"the load generator failed:\n{output[-4000:]}")
        load = json.loads(out_path.read_text())
        server_cpu = server.cpu.cpu_s - server_cpu_before
        say("load done; waiting for the stream's last posts ...")
        _wait_stream_final(env, time.monotonic() + plan.settle_s)
        publishing = _publishing(env, due_window)
        say("measured; stopping the API server, the daemon and the servers ...")
    wall = load["wall_s"] or 1
    ours = server_cpu + load["generator_cpu_s"] + backing_cpu_s + daemon_cpu
    return {
        "plan": {**asdict(plan), "database_url": None, "redis_url": None},
        "think_effective_s": round(plan.think_effective_s, 1),
        "backend": "sqlite" if plan.sqlite else "postgres",
        **load,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_share": round(server_cpu / wall, 3),
        "db_redis_cpu_share": round(backing_cpu_s / wall, 3),
        "daemon_cpu_share": round(daemon_cpu / wall, 3),
        "machine_cores": os.cpu_count(),
        "machine_busy_share": round(machine_cores / (os.cpu_count() or 1), 3),
        # Whatever else ran on the machine meanwhile (in cores): a benchmark on a shared machine
        # must say how much of it was not its own.
        "others_cpu_share": round(max(0.0, machine_cores - ours / wall), 3),
        "publishing": publishing,
        "verdict": verdict(load, publishing),
    }


def _keep_logs(root: Path, log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    for path in root.rglob("*.log"):
        shutil.copy(path, log_dir / path.name)


def verdict(load: dict, publishing: dict) -> dict[str, bool]:
    lateness = publishing.get("lateness_p99_s")
    return {
        "p95_ms": load["all"]["p95_ms"] is not None and load["all"]["p95_ms"] < TARGETS["p95_ms"],
        "p99_ms": load["all"]["p99_ms"] is not None and load["all"]["p99_ms"] < TARGETS["p99_ms"],
        "error_rate": load["error_rate"] is not None and load["error_rate"] < TARGETS["error_rate"],
        "lateness_p99_s": lateness is not None and lateness < TARGETS["lateness_p99_s"],
    }


def with_overrides(plan: ApiBenchPlan, **changes) -> ApiBenchPlan:
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})
