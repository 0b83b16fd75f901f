"""The API benchmark's result as text (a Markdown table and one line per target) and in
BENCHMARKS.json (under `api`, the latest runs kept beside `bench run`'s figures)."""

from __future__ import annotations

import json
from pathlib import Path

from .api_bench import TARGETS
from .api_load import ENDPOINTS


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _s(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def endpoint_table(result: dict) -> list[str]:
    lines = [
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms | errors |"
        " in app ms | in SQL ms | outside ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [(name, result["endpoints"][name]) for name in ENDPOINTS]
    rows.append(("all", {**result["all"], "errors": {"": result["errors"]}, "server_timing": {}}))
    for name, e in rows:
        timing = e.get("server_timing", {})

        def mean(metric, timing=timing):
            return _ms(timing.get(metric, {}).get("mean_ms"))

        lines.append(
            f"| {name} | {e['count']} | {_ms(e['p50_ms'])} | {_ms(e['p95_ms'])} | "
            f"{_ms(e['p99_ms'])} | {_ms(e['max_ms'])} | {sum(e['errors'].values())} | "
            f"{mean('app')} | {mean('db')} | {mean('outside')} |"
        )
    return lines


def summary(result: dict) -> list[str]:
    pub = result["publishing"]
    plan = result["plan"]
    lag = result["generator_loop_lag_ms"]
    lines = [
        f"HTTP API: {result['clients']} clients, {result['wall_s']:.0f} s, "
        f"{plan['workers']} worker(s), think {plan['think_s']:g} s (capped: "
        f"{result.get('think_effective_s', plan['think_s']):g} s on average), {result['backend']}",
        f"requests/s {result['requests_per_s']}, {result['requests']} requests, "
        f"{result['errors']} errors ({(result['error_rate'] or 0):.3%}), "
        f"{result['replayed_creates']} creates replayed",
        "",
        *endpoint_table(result),
        "",
        f"CPU (share of one core): API server {result['server_cpu_share']:.2f}, generator "
        f"{result['generator_cpu_share']:.2f}, PostgreSQL+Redis "
        f"{result['db_redis_cpu_share']:.2f}, "
        f"daemon+runs {result['daemon_cpu_share']:.2f}, other processes "
        f"{result['others_cpu_share']:.2f}; machine {result['machine_busy_share']:.0%} busy "
        f"({result['machine_cores']} cores)",
        f"generator event-loop lag: p50 {_ms(lag['p50'])} ms, p99 {_ms(lag['p99'])} ms, "
        f"max {_ms(lag['max'])} ms",
        f"publishing during the load: {pub['published']}/{pub['targets']} published, "
        f"{pub['duplicates']} duplicates, {pub['lost']} lost, lateness p50 "
        f"{_s(pub['lateness_p50_s'])} s, p99 {_s(pub['lateness_p99_s'])} s, max "
        f"{_s(pub['lateness_max_s'])} s",
        "",
    ]
    measured = {
        "p95_ms": (result["all"]["p95_ms"], "ms"),
        "p99_ms": (result["all"]["p99_ms"], "ms"),
        "error_rate": (result["error_rate"], ""),
        "lateness_p99_s": (pub["lateness_p99_s"], "s"),
    }
    for key, ok in result["verdict"].items():
        value, unit = measured[key]
        shown = f"{value:.3%}" if key == "error_rate" and value is not None else f"{value}{unit}"
        limit = TARGETS[key]
        limit_shown = f"{limit:.1%}" if key == "error_rate" else f"{limit:g}{unit}"
        lines.append(f"{'PASS' if ok else 'FAIL'}  {key:15} {shown} (target < {limit_shown})")
    if not all(result["verdict"].values()):
        lines += ["", *where_the_time_goes(result)]
    return lines


def where_the_time_goes(result: dict) -> list[str]:
    """From the server's Server-Timing figures, the processes' CPU and the generator's lag."""
    lines = ["where the time goes (means per request, Server-Timing):"]
    for name in ENDPOINTS:
        t = result["endpoints"][name]["server_timing"]
        if not t:
            continue
        app, db = t.get("app", {}).get("mean_ms"), t.get("db", {}).get("mean_ms")
        outside = t.get("outside", {}).get("mean_ms")
        queued = t.get("threadq", {}).get("mean_ms")
        inflight = t.get("inflight", {}).get("mean_ms")
        lines.append(
            f"  {name}: {_ms(outside)} ms outside the app (event loop, wire, client), "
            f"{_ms(app)} ms in the app of which {_ms(db)} ms in SQL; at arrival "
            f"{inflight} requests in flight in the worker, {queued} waiting for a thread"
        )
    busy = result["machine_busy_share"]
    if busy >= 0.9:
        lines.append(
            f"  the machine was {busy:.0%} busy: CPU-bound; the API server used "
            f"{result['server_cpu_share']:.2f} cores, the generator "
            f"{result['generator_cpu_share']:.2f}, processes not the benchmark's "
            f"{result['others_cpu_share']:.2f}"
        )
    if (result["generator_loop_lag_ms"]["p99"] or 0) > 50:
        lines.append("  the generator's own event loop lagged: part of the latency is the client's")
    return lines


def record(path: Path, result: dict, *, keep: int = 5) -> None:
    """Add the run under `api` in the JSON file, keeping its other keys and the last runs."""
    data = json.loads(path.read_text()) if path.exists() else {}
    runs = [*data.get("api", []), result][-keep:]
    data["api"] = runs
    path.write_text(json.dumps(data, indent=2, default=str))
