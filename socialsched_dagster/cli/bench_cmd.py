"""`socialsched bench ...`: measurements through the real sensor, daemon and run workers."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import click

from ..domain.platforms import Platform


@click.group("bench")
def bench_group() -> None:
    """Benchmarks that set up their own database, Redis, sandbox and Dagster home."""


def _stoppable() -> None:
    """SIGTERM, and SIGINT even when started in the background (where a shell ignores it),
    unwind through the scenario's cleanup: the daemon's process group is stopped, not left."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@bench_group.command("run")
@click.option(
    "--scenarios", default="burst,steady,scale,ceiling", show_default=True,
    help="comma-separated: burst, steady, scale, ceiling",
)  # fmt: skip
@click.option("--backends", default="embedded,postgres", show_default=True)
@click.option(
    "--postgres-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/socialsched_bench",
    show_default=True, help="emptied first; created when missing",
)  # fmt: skip
@click.option(
    "--redis-url", default="redis://127.0.0.1:6379/9", show_default=True,
    help="this Redis database is flushed first",
)  # fmt: skip
@click.option("--scale-targets", default=1_000_000, show_default=True, type=int)
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def run_cmd(scenarios, backends, postgres_url, redis_url, scale_targets, json_out):
    """The suite of BENCHMARKS.md: prints a table, writes every figure as JSON."""
    from ..bench import suite
    from ..bench.environment import ensure_database
    from ..bench.scale import run_scale

    _stoppable()
    wanted = [s.strip() for s in scenarios.split(",") if s.strip()]
    where = [suite.backend(b.strip(), postgres_url, redis_url) for b in backends.split(",")]
    unknown = set(wanted) - {*suite.SCENARIOS, "scale", "ceiling"}
    if unknown:
        raise click.BadParameter(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if any(b.database_url for b in where) or "scale" in wanted:
        ensure_database(postgres_url)
    results: list[dict] = []
    ceiling = None
    if "ceiling" in wanted:
        click.echo("ceiling: bare asyncio httpx loop, burst's targets and concurrency ...")
        # At the pipeline's own concurrency: every platform's run, each with its workers.
        ceiling = suite.run_ceiling_like(suite.SCENARIOS["burst"])
        results.append(ceiling)
    for name in [n for n in suite.SCENARIOS if n in wanted]:
        for b in where:
            click.echo(f"{name} on {b.name} ...")
            result = suite.run_pipeline(suite.SCENARIOS[name], b)
            if name == "burst" and ceiling and result.get("throughput_targets_per_s"):
                ratio = result["throughput_targets_per_s"] / ceiling["throughput_targets_per_s"]
                result["ceiling_ratio"] = round(ratio, 3)
            results.append(result)
            click.echo(suite.table([result]))
    scale = None
    if "scale" in wanted:
        click.echo(f"scale: {scale_targets:,} targets in PostgreSQL ...")
        scale = run_scale(postgres_url, targets=scale_targets)
    click.echo("\n" + suite.table(results))
    if scale:
        click.echo(
            f"\nscale ({scale['targets']:,} targets, PostgreSQL): sensor tick median "
            f"{scale['sensor_tick_ms_p50']} ms (p95 {scale['sensor_tick_ms_p95']}, max "
            f"{scale['sensor_tick_ms_max']}); due query median {scale['due_query_ms_p50']} ms; "
            f"index scan: {scale['index_scan']}"
        )
    if json_out:
        json_out.write_text(json.dumps({"results": results, "scale": scale}, indent=2, default=str))


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

    _stoppable()
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
        click.echo(
            f"seeded {posts} posts over {len(Platform) * accounts_per_platform} accounts; daemon up"
        )
        usage = run_daemon_until_done(env, scenario)
        result = measure(env, scenario, usage)
    for key, value in result.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        click.echo(f"{key:24} {shown}")
    if json_out:
        json_out.write_text(json.dumps(result, indent=2))


@bench_group.command("chaos")
@click.option("--smoke", is_flag=True, help="600 posts, shorter faults: proves the harness")
@click.option("--posts", type=int, default=None, help="targets (full 6000, smoke 600)")
@click.option("--accounts-per-platform", type=int, default=None)
@click.option(
    "--spread", "spread_s", type=float, default=None,
    help="seconds the due times are spread over; default: long enough for every fault",
)  # fmt: skip
@click.option("--faults", default=None, help="comma-separated subset, in order (default: all)")
@click.option("--daemon-down", "daemon_down_s", type=float, default=None)
@click.option("--postgres-down", "postgres_down_s", type=float, default=None)
@click.option("--redis-down", "redis_down_s", type=float, default=None)
@click.option("--storm", "storm_s", type=float, default=None, help="429 and 5xx storm length")
@click.option("--drop", "drop_s", type=float, default=None, help="drop-after-commit length")
@click.option("--drop-rate", type=float, default=None)
@click.option("--drain", "drain_s", type=float, default=None)
@click.option("--lease", "lease_s", type=float, default=None, help="claim lease (default 90 s)")
@click.option("--dagster-storage", type=click.Choice(["postgres", "sqlite"]), default=None)
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="keep the daemon, sandbox and Redis logs here")  # fmt: skip
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def chaos_cmd(smoke, faults, log_dir, json_out, **overrides):
    """The real daemon under load on PostgreSQL + Redis while faults strike one after another;
    exits 1 on any duplicate, lost or stuck target or a fault not recovered in lease + 30 s."""
    from ..bench import chaos_plan
    from ..bench.chaos import run_chaos
    from ..bench.chaos_text import summary

    _stoppable()
    plan = (chaos_plan.SMOKE if smoke else chaos_plan.FULL).with_overrides(**overrides)
    if faults:
        names = tuple(f.strip() for f in faults.split(",") if f.strip())
        unknown = sorted(set(names) - set(chaos_plan.FAULTS))
        if unknown:
            raise click.BadParameter(f"unknown: {', '.join(unknown)}", param_hint="--faults")
        plan = plan.with_overrides(faults=names)
    result = run_chaos(plan, log=click.echo, log_dir=log_dir)
    click.echo("\n".join(summary(result)))
    if json_out:
        json_out.write_text(json.dumps(result, indent=2, default=str))
    if result["problems"]:
        raise SystemExit(1)


@bench_group.command("api")
@click.option("--clients", default=1000, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--duration", "duration_s", default=300.0, show_default=True, type=float)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="uvicorn worker processes of `socialsched api serve`")  # fmt: skip
@click.option("--think", "think_s", default=None, type=float,
              help="mean think time per client between requests, s [default: 10]")  # fmt: skip
@click.option("--due-per-s", default=None, type=float,
              help="posts falling due per second while the load runs")  # fmt: skip
@click.option("--generator-nice", default=None, type=click.IntRange(0, 19),
              help="run the load generator at this nice level (default 0)")  # fmt: skip
@click.option("--postgres-url", default=None, help="emptied first; default: a server of our own")
@click.option("--redis-url", default=None, help="flushed first; default: a server of our own")
@click.option(
    "--json-out", type=click.Path(dir_okay=False, path_type=Path),
    default=Path("BENCHMARKS.json"), show_default=True,
    help="the result goes in under the key `api` (a list: one entry per run)",
)  # fmt: skip
@click.option("--keep", default=5, show_default=True, help="runs kept in the JSON file")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="keep the daemon's, the API server's and the generator's logs here")  # fmt: skip
def api_cmd(clients, duration_s, workers, think_s, due_per_s, generator_nice, postgres_url,
            redis_url, json_out, keep, log_dir):  # fmt: skip
    """N clients creating, reading and listing posts over HTTP for DURATION seconds on
    PostgreSQL + Redis while the daemon publishes; prints the figures against the targets."""
    from ..bench.api_bench import ApiBenchPlan, run_api_bench, with_overrides
    from ..bench.api_report import record, summary
    from ..bench.environment import ensure_database

    _stoppable()
    plan = with_overrides(
        ApiBenchPlan(clients=clients, duration_s=duration_s, workers=workers),
        think_s=think_s, due_per_s=due_per_s, generator_nice=generator_nice,
        database_url=postgres_url, redis_url=redis_url,
    )  # fmt: skip
    if postgres_url:
        ensure_database(postgres_url)
    result = run_api_bench(plan, log=click.echo, log_dir=log_dir)
    click.echo("\n".join(summary(result)))
    if json_out:
        record(json_out, result, keep=keep)
        click.echo(f"written to {json_out} under `api`")
