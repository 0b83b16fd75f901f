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

from .daemon_scenario import Scenario, measure, run_daemon_until_done, seed
from .environment import open_environment

# An audited YouTube project: the default 10,000 units a day (6 uploads) would cap any run.
SANDBOX_SETTINGS = {"yt_quota_units_per_day": 10_000_000}
LATENCY_MS = 50.0
WORKERS_PER_RUN = 16  # x 3 platform runs = 48 calls in flight, the ceiling's concurrency
VIDEO_BYTES = 256 * 1024

SCENARIOS = {
    # 10,000 targets over 1,002 accounts (334 per platform), all due at the same instant.
    "burst": Scenario("burst", 10_000, 334, start_in_s=60, spread_s=0, timeout_s=900),
    # 10 targets a second, evenly, for 5 minutes.
    "steady": Scenario("steady", 3_000, 100, start_in_s=60, spread_s=300, timeout_s=900),
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

    The defaults are a safety net sized for a few dozen accounts. Graph's real app limit is
    200 calls an hour per active account (the rule the sandbox enforces), and the audited
    YouTube project meters units per day (10,000,000 here), not calls: so the app budgets scale
    with the accounts, and the per-account budgets stay the documented ones.
    """
    graph_app = 200 * scenario.accounts_per_platform
    return json.dumps(
        {
            "platforms": {
                "instagram": {"app_calls": graph_app},
                "facebook": {"app_calls": graph_app},
                "youtube": {"app_calls": 100_000, "window_s": 60},
            }
        }
    )


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


def run_ceiling_like(scenario: Scenario, concurrency: int) -> dict:
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
