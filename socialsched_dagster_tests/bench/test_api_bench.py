"""`socialsched bench api`, tiny: the real API server, daemon and load generator, each in its own
process, on PostgreSQL and Redis. Every endpoint gets figures, no request fails, and the posts
that fell due during the load are published, each exactly once (the sandbox ledger)."""

from __future__ import annotations

from socialsched_dagster.bench.api_bench import ApiBenchPlan, run_api_bench
from socialsched_dagster.bench.api_load import ENDPOINTS
from socialsched_dagster.bench.api_report import summary


def test_a_small_load_gets_answers_on_every_endpoint_while_due_posts_go_out_once(
    empty_pg_url, real_or_embedded_redis_url
):
    plan = ApiBenchPlan(
        clients=20, duration_s=5, workers=1, think_s=0.5, clients_per_workspace=10,
        history_posts=20, due_per_s=0.6, start_in_s=25, sensor_lead_s=20, settle_s=60,
        database_url=empty_pg_url, redis_url=real_or_embedded_redis_url,
    )  # fmt: skip
    result = run_api_bench(plan, log=lambda _: None)

    for name in ENDPOINTS:
        figures = result["endpoints"][name]
        assert figures["count"] > 0, name
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
        # The server's own account of the request came back with it.
        assert figures["server_timing"]["app"]["mean_ms"] > 0, name
    assert result["errors"] == 0, result["endpoints"]
    assert result["requests_per_s"] > 0
    publishing = result["publishing"]
    assert publishing["targets"] == plan.due_posts
    assert publishing["published"] == plan.due_posts, publishing["statuses"]
    assert publishing["duplicates"] == 0 and publishing["lost"] == 0
    assert publishing["foreign_ledger_targets"] == 0  # the load's own posts are weeks ahead
    assert publishing["lateness_p99_s"] is not None
    text = "\n".join(summary(result))
    assert "requests/s" in text and "lateness_p99_s" in text
