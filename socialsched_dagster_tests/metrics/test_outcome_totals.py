"""Outcome totals: history is read once; later scrapes only count what finished since, and a
moving boundary never counts an attempt twice or forgets one."""

from __future__ import annotations

from datetime import timedelta

from socialsched_dagster.metrics.outcome_totals import OutcomeTotals
from socialsched_dagster.store.models import utcnow

from .seed import T, accounts, add_attempt, add_target

MIN = timedelta(minutes=1)


def test_totals_follow_the_boundary_without_double_counting(db, cipher):
    now = utcnow()
    with db.session() as s, s.begin():
        ids = accounts(s, cipher, now)
        target = add_target(
            s,
            ids["instagram"],
            T("failed", now - 60 * MIN, attempts=(("retry", now - 30 * MIN, 100),)),
            "r1",
        )
        add_attempt(s, target, "failed", now - 5 * MIN, 100)  # inside the settle window
    totals = OutcomeTotals(settle=10 * MIN)
    with db.engine.connect() as conn:
        assert totals.read(conn, now) == {("instagram", "retry"): 1, ("instagram", "failed"): 1}
        # 20 minutes on, both attempts are settled: moved into memory, still counted once.
        assert totals.read(conn, now + 20 * MIN) == {
            ("instagram", "retry"): 1,
            ("instagram", "failed"): 1,
        }
    with db.session() as s, s.begin():
        add_attempt(s, target, "failed", now + 25 * MIN, 100)
        # Committed 15 minutes after it finished, behind the boundary (now + 10 min): the one
        # case the in-memory part misses, which `settle` is sized (10 min) to rule out.
        add_attempt(s, target, "failed", now + 5 * MIN, 100)
    with db.engine.connect() as conn:
        assert totals.read(conn, now + 40 * MIN) == {
            ("instagram", "retry"): 1,
            ("instagram", "failed"): 2,
        }
        fresh = OutcomeTotals(settle=10 * MIN)  # a restarted exporter reads all history
        assert fresh.read(conn, now + 40 * MIN)[("instagram", "failed")] == 3
