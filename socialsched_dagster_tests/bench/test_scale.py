"""The scale scenario on a small count: seeds exactly what it says, consistently, and the real
sensor requests one run per platform window holding due targets."""

import math
from datetime import timedelta

from sqlalchemy import create_engine, text

from socialsched_dagster.bench.scale import ACCOUNTS_PER_PLATFORM, DUE_NOW_POSTS, run_scale
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.resources.publishing import PublishingConfig
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import utcnow


def test_scale_seeds_exact_counts_and_the_sensor_requests_each_due_window(empty_pg_url):
    result = run_scale(empty_pg_url, targets=20_000, repetitions=3)

    engine = create_engine(empty_pg_url)
    try:
        with engine.connect() as conn:
            count = {
                table: conn.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("accounts", "posts", "post_targets")
            }
            # A target's platform and time are copies of its account's and its post's.
            inconsistent = conn.scalar(
                text(
                    "SELECT count(*) FROM post_targets t JOIN accounts a ON a.id = t.account_id "
                    "JOIN posts p ON p.id = t.post_id "
                    "WHERE a.platform <> t.platform OR p.scheduled_at <> t.due_at"
                )
            )
            # Independently of the sensor: which (platform, hour) windows hold due targets.
            config = PublishingConfig()
            now = utcnow().replace(tzinfo=None)
            rows = conn.execute(
                text(
                    "SELECT platform, due_at FROM post_targets WHERE status = 'scheduled' "
                    "AND due_at BETWEEN :stale AND :ready"
                ),
                {
                    "stale": now - timedelta(seconds=config.stale_after_s),
                    "ready": now + timedelta(seconds=config.sensor_lead_s),
                },
            ).all()
    finally:
        engine.dispose()

    platforms = len(Platform)
    assert count == {
        "accounts": platforms * ACCOUNTS_PER_PLATFORM,
        "posts": math.ceil(20_000 / platforms),
        "post_targets": 20_000,
    }
    assert (result["accounts"], result["posts"], result["targets"]) == tuple(count.values())
    assert inconsistent == 0
    assert len(rows) == platforms * DUE_NOW_POSTS
    windows = {(platform, hour_floor(due_at)) for platform, due_at in rows}
    assert {platform for platform, _ in windows} == {p.value for p in Platform}
    assert result["runs_requested"] == len(windows)
    assert result["index_scan"] is True
    assert "ix_post_targets_due" in result["plan"]
    for key in ("due_query_ms", "sensor_tick_ms"):
        assert 0 < result[f"{key}_p50"] <= result[f"{key}_p95"] <= result[f"{key}_max"]
