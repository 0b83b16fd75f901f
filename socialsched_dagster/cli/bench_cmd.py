"""`socialsched bench ...`: measurements through the real sensor, daemon and run workers."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import click


@click.group("bench")
def bench_group() -> None:
    """Benchmarks that set up their own database, Redis, sandbox and Dagster home."""


@bench_group.command("daemon")
@click.option("--posts", default=500, show_default=True, type=int)
@click.option("--accounts-per-platform", default=20, show_default=True, type=int)
@click.option(
    "--start-in", "start_in_s", default=45.0, show_default=True, type=float,
    help="seconds until the first post is due (covers daemon and run start-up)",
)  # fmt: skip
@click.option(
    "--spread", "spread_s", default=120.0, show_default=True, type=float,
    help="seconds over which the posts' due times are spread",
)  # fmt: skip
@click.option("--latency-ms", default=50.0, show_default=True, type=float)
@click.option("--database-url", default=None, help="default: a fresh SQLite file")
@click.option("--redis-url", default=None, help="default: an embedded Redis")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def daemon_cmd(posts, accounts_per_platform, start_in_s, spread_s, latency_ms, database_url,
               redis_url, json_out):  # fmt: skip
    """Posts due over SPREAD seconds, published by the real daemon; prints lateness and runs."""
    from ..bench.daemon_scenario import Scenario, measure, run_daemon_until_done, seed
    from ..bench.environment import open_environment

    scenario = Scenario("daemon", posts, accounts_per_platform, start_in_s, spread_s)
    # An audited YouTube project: the 6-uploads-a-day default quota would cap the run.
    sandbox_settings = {"yt_quota_units_per_day": 10_000_000}
    with ExitStack() as stack:
        env = open_environment(
            stack, database_url=database_url, redis_url=redis_url,
            sandbox_settings=sandbox_settings, latency_ms=latency_ms,
            publish_env={"SOCIALSCHED_PLATFORM_SYNTHETIC_VIDEO_SIZE": str(256 * 1024)},
        )  # fmt: skip
        seed(env, scenario)
        click.echo(f"seeded {posts} posts over {3 * accounts_per_platform} accounts; daemon up")
        waited = run_daemon_until_done(env, scenario)
        result = measure(env, scenario, waited)
    for key, value in result.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        click.echo(f"{key:24} {shown}")
    if json_out:
        json_out.write_text(json.dumps(result, indent=2))
