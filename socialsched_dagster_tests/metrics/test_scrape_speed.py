"""A scrape stays under 200 ms with 100,000 targets and 120,000 attempts, on both backends."""

from __future__ import annotations

import time

from socialsched_dagster.store.models import utcnow

from .bulk import bulk_seed
from .conftest import value

TARGETS = 100_000
BUDGET_S = 0.200


def test_scrapes_of_a_production_sized_database_stay_under_200_ms(
    db, cipher, redis_url, exporter_for
):
    bulk_seed(db.engine, cipher, utcnow(), TARGETS)
    if not db.is_sqlite:  # what autovacuum does in production after a bulk load
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    exporter = exporter_for(db.url, redis_url)  # reads the outcome history once, up front
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        samples = exporter.scrape()
        timings.append(time.perf_counter() - started)
    print(f"scrapes of {TARGETS} targets: {[round(t * 1000) for t in timings]} ms")
    assert sorted(timings)[1] < BUDGET_S, timings  # the median: one slow tick is the machine's
    assert value(samples, "socialsched_scrape_duration_seconds") < BUDGET_S
    targets = sum(v for (name, _), v in samples.items() if name == "socialsched_targets")
    assert targets == TARGETS
    outcomes = [
        v for (name, _), v in samples.items() if name == "socialsched_publish_outcomes_total"
    ]
    assert sum(outcomes) == TARGETS * 1.2
    assert value(samples, "socialsched_db_query_seconds") < 0.1
