"""The exporter over HTTP, on a known history: every number as Prometheus would scrape it."""

from __future__ import annotations

import logging
import socket

import pytest
from sqlalchemy import select

from socialsched_dagster.store.models import PostTarget, utcnow

from .conftest import value
from .seed import add_attempt


def test_targets_outcomes_and_latency(scraped):
    _, samples = scraped
    assert value(samples, "socialsched_targets", status="published", platform="instagram") == 6
    assert value(samples, "socialsched_targets", status="failed", platform="instagram") == 2
    assert value(samples, "socialsched_targets", status="scheduled", platform="instagram") == 2
    assert value(samples, "socialsched_targets", status="held", platform="youtube") == 1
    assert value(samples, "socialsched_targets", status="missed", platform="facebook") == 0

    def outcome(platform: str, name: str) -> float:
        return value(samples, "socialsched_publish_outcomes_total", platform=platform, outcome=name)

    assert outcome("instagram", "published") == 6
    assert outcome("instagram", "failed") == 2
    assert outcome("instagram", "retry") == 1  # two days old: in the totals
    assert outcome("facebook", "published") == 1  # two minutes old: counted as recent

    def bucket(le: str, platform: str = "instagram") -> float:
        name = "socialsched_publish_latency_seconds_bucket"
        return value(samples, name, platform=platform, le=le)

    # Instagram in 24 h: 50, 50, 150, 300, 400, 800, 1500, 20000 ms (the 5000 ms retry is older).
    bounds = ("0.1", "0.25", "0.5", "1", "2.5", "30", "+Inf")
    assert [bucket(le) for le in bounds] == [2, 3, 5, 6, 7, 8, 8]
    assert value(
        samples, "socialsched_publish_latency_seconds_gsum", platform="instagram"
    ) == pytest.approx(23.25)
    assert bucket("0.5", "facebook") == 1


def test_lateness_and_token_expiry(scraped):
    _, samples = scraped

    def late(platform: str, q: str) -> float:
        return value(samples, "socialsched_lateness_seconds", platform=platform, quantile=q)

    # Instagram published 2, 4, 6, 8 and 100 s late in the last hour (5000 s, 3 h ago: out).
    assert [late("instagram", q) for q in ("0.5", "0.95", "1")] == [6, 100, 100]
    assert late("facebook", "0.5") == late("facebook", "1") == 30
    lateness_platforms = {
        dict(labels)["platform"]
        for name, labels in samples
        if name == "socialsched_lateness_seconds"
    }
    assert lateness_platforms == {"instagram", "facebook"}  # nothing published on YouTube

    expiry = {
        p: value(samples, "socialsched_token_expiry_seconds", platform=p)
        for p in ("instagram", "facebook")
    }
    assert expiry["instagram"] == pytest.approx(3 * 86400, abs=30)  # the disabled one's is past
    assert expiry["facebook"] == pytest.approx(3600, abs=30)
    assert ("socialsched_token_expiry_seconds", frozenset({("platform", "youtube")})) not in samples


def test_breakers_limits_cache_and_infrastructure(scraped):
    _, samples = scraped
    assert value(samples, "socialsched_breaker_state", platform="instagram") == 2
    assert value(samples, "socialsched_breaker_state", platform="facebook") == 0
    usage = "socialsched_rate_limit_usage_ratio"
    assert value(samples, usage, platform="instagram", budget="account_max") == 4 / 200
    # The app budget also paid for the two calls that tripped the breaker.
    assert value(samples, usage, platform="instagram", budget="app") == 6 / 4800
    assert value(samples, usage, platform="youtube", budget="app") == 0
    assert value(samples, "socialsched_cache_hit_ratio") == 0.75
    assert value(samples, "socialsched_cache_lookups_total", result="hit") == 3
    assert value(samples, "socialsched_redis_up") == 1
    assert value(samples, "socialsched_db_up") == 1
    assert 0 < value(samples, "socialsched_db_query_seconds") < 1
    assert 0 < value(samples, "socialsched_scrape_duration_seconds") < 2


def test_outcome_totals_keep_growing_between_scrapes(scraped, db):
    exporter, _ = scraped
    with db.session() as s, s.begin():
        target = s.scalar(select(PostTarget.id).where(PostTarget.platform == "facebook"))
        add_attempt(s, target, "failed", utcnow(), 80)
    samples = exporter.scrape()
    total = "socialsched_publish_outcomes_total"
    assert value(samples, total, platform="facebook", outcome="failed") == 1
    assert value(samples, total, platform="facebook", outcome="published") == 1
    assert value(samples, total, platform="instagram", outcome="published") == 6


def test_a_scrape_answers_with_redis_and_the_database_down(tmp_path, exporter_for, caplog):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead_redis = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    # A database file without the schema: every query fails.
    exporter = exporter_for(f"sqlite:///{tmp_path / 'empty.db'}", dead_redis)
    caplog.set_level(logging.INFO, logger="socialsched_dagster.metrics")
    for _ in range(3):
        samples = exporter.scrape()
    assert value(samples, "socialsched_redis_up") == 0
    assert value(samples, "socialsched_db_up") == 0
    names = {name for name, _ in samples}
    left_out = {"socialsched_targets", "socialsched_breaker_state", "socialsched_cache_hit_ratio"}
    assert not names & left_out
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings  # one per part, not one per scrape
