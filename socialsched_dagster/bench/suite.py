"""The benchmark suite: burst and steady through the real daemon, the ceiling beside them, the
scale of the due query; on the embedded default and on PostgreSQL + Redis.

Each pipeline scenario gets a fresh environment (database, Redis, sandbox, Dagster home), so
scenarios never see each other's posts or rate-limit windows. The ceiling runs against its own
fresh sandbox with the burst's targets, accounts and concurrency (runs x workers per run), which
is what makes "throughput as a fraction of the ceiling" a like-for-like ratio.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass

from ..domain.platforms import Platform
from ..platforms.registry import specs
from .accounts import accounts_per_platform
from .daemon_scenario import Scenario, measure, run_daemon_until_done, seed
from .environment import open_environment

# An audited YouTube project: the default 10,000 units a day (6 uploads) would cap any run.
SANDBOX_SETTINGS = {"yt_quota_units_per_day": 10_000_000}
LATENCY_MS = 50.0
# One run per platform window, each with this many workers: as many calls in flight at most as
# the ceiling is given (CEILING_CONCURRENCY).
WORKERS_PER_RUN = 16
CEILING_CONCURRENCY = WORKERS_PER_RUN * len(Platform)
VIDEO_BYTES = 256 * 1024

BURST_POSTS, STEADY_POSTS = 10_000, 3_000
SCENARIOS = {
    # 10,000 targets, every platform alike, all due at the same instant; each scenario on
    # enough accounts that none gets more than accounts.POSTS_PER_ACCOUNT of its posts.
    "burst": Scenario(
        "burst",
        BURST_POSTS,
        accounts_per_platform(BURST_POSTS),
        start_in_s=60,
        spread_s=0,
        timeout_s=900,
    ),
    # 10 targets a second, evenly, for 5 minutes.
    "steady": Scenario(
        "steady",
        STEADY_POSTS,
        accounts_per_platform(STEADY_POSTS),
        start_in_s=60,
        spread_s=300,
        timeout_s=900,
    ),
}


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str | None  # None: a fresh SQLite file
    redis_url: str | None  # None: an embedded Redis


def backend(name: str, postgres_url: str, redis_url: str) -> Backend:
    if name == "embedded":
        return Backend("embedded", None, None)
    if name == "postgres":
        return Backend("postgres", postgres_url, redis_url)
    raise ValueError(f"unknown backend {name!r}: embedded or postgres")


def rate_limits(scenario: Scenario) -> str:
    """Our own call budgets for this many accounts, as an operator would configure them.

    The defaults (each platform's spec) are a safety net sized for a few dozen accounts. The
    per-account budgets stay the documented ones; the app-wide one of each platform is raised
    to cover every account's budget at once, as Graph's real app limit is (200 calls an hour
    per active account), so that only the platforms' own limits pace a run.
    """
    budgets = {}
    for each in specs():
        budget = each.rate_budget()
        app = max(budget.app_calls, budget.account_calls * scenario.accounts_per_platform)
        budgets[each.platform.value] = {"app_calls": app}
    return json.dumps({"platforms": budgets})


def run_pipeline(scenario: Scenario, where: Backend, workers: int = WORKERS_PER_RUN) -> dict:
    with ExitStack() as stack:
        env = open_environment(
            stack, database_url=where.database_url, redis_url=where.redis_url,
            sandbox_settings=SANDBOX_SETTINGS, latency_ms=LATENCY_MS,
            publish_env={
                "SOCIALSCHED_PLATFORM_SYNTHETIC_VIDEO_SIZE": str(VIDEO_BYTES),
                "SOCIALSCHED_PUBLISH_WORKERS": str(workers),
                "SOCIALSCHED_RATE_LIMITS": rate_limits(scenario),
            },
        )  # fmt: skip
        seed(env, scenario)
        usage = run_daemon_until_done(env, scenario)
        result = measure(env, scenario, usage)
    return {"backend": where.name, "workers_per_run": workers, **result}


def run_ceiling_like(scenario: Scenario, concurrency: int = CEILING_CONCURRENCY) -> dict:
    from ..sandbox.process import SandboxProcess
    from .ceiling import run_ceiling

    with SandboxProcess(settings=SANDBOX_SETTINGS, latency_ms=LATENCY_MS) as sandbox:
        result = run_ceiling(
            sandbox, targets=scenario.posts, accounts_per_platform=scenario.accounts_per_platform,
            concurrency=concurrency, video_size=VIDEO_BYTES,
        )  # fmt: skip
    return {"backend": "none", **result}


COLUMNS = [
    ("scenario", "scenario"),
    ("backend", "backend"),
    ("published", "published"),
    ("duplicates", "dup"),
    ("lost", "lost"),
    ("rate_limit_violations", "rl viol"),
    ("lateness_p50_s", "p50 s"),
    ("lateness_p95_s", "p95 s"),
    ("lateness_p99_s", "p99 s"),
    ("lateness_max_s", "max s"),
    ("throughput_targets_per_s", "targets/s"),
    ("ceiling_ratio", "of ceiling"),
    ("runs_launched", "runs"),
    ("cpu_s_per_1000", "CPU s/1k"),
    ("peak_run_rss_mb", "run RSS MB"),
]


def _cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "ceiling_ratio":
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}"
    return str(value)


def table(results: list[dict]) -> str:
    """A Markdown table: it reads in a terminal and pastes into BENCHMARKS.md as it is."""
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for r in results:
        lines.append("| " + " | ".join(_cell(key, r.get(key)) for key, _ in COLUMNS) + " |")
    return "\n".join(lines)
