"""The monthly budget of a platform that charges per post, on both databases: a target goes ahead
only if its cost fits, the targets under way count, last month's do not, and many workers
reserving at once never overspend."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.store.spend import month_start, next_month, reserve, spend_by_account


def _targets(db, cipher, n: int) -> tuple[int, list[int]]:
    def work(s):
        account = add_account(
            s, cipher, platform=Platform.X, external_id="2244994945", handle="brand",
            access_token="t",
        )  # fmt: skip
        due = utcnow() + timedelta(minutes=5)
        requests = [
            PostRequest(PostContent(text=f"post {i}"), due, "UTC", (account.id,), frozenset(),
                        None, f"ref-{i}")
            for i in range(n)
        ]  # fmt: skip
        insert_posts(s, requests)
        ids = [t.id for t in s.query(PostTarget).order_by(PostTarget.id)]
        # As the claim leaves them: under way, owned by a run.
        s.query(PostTarget).update({"status": "publishing", "lease_owner": "run-1"})
        return account.id, ids

    return db.transaction(work)


def _reserve(db, account_id, target_id, cost, budget, now=None):
    now = now or db.now()
    return db.transaction(
        lambda s: reserve(
            s, target_id=target_id, run_id="run-1", account_id=account_id, cost_usd=cost,
            budget_usd=budget, now=now,
        )
    )  # fmt: skip


def test_a_target_goes_ahead_only_while_its_cost_fits_the_month(db, cipher):
    account_id, (a, b, c) = _targets(db, cipher, 3)
    assert _reserve(db, account_id, a, 0.20, 0.50).allowed
    assert _reserve(db, account_id, b, 0.20, 0.50).allowed
    refused = _reserve(db, account_id, c, 0.20, 0.50)
    assert not refused.allowed and abs(refused.spent_usd - 0.40) < 1e-9
    # A reservation asked again for the same target does not count itself twice.
    assert _reserve(db, account_id, b, 0.20, 0.50).allowed
    with db.engine.connect() as conn:
        spent = spend_by_account(conn, db.now())
    assert spent.keys() == {("x", "brand")} and abs(spent["x", "brand"] - 0.40) < 1e-9


def test_only_this_month_and_targets_under_way_count(db, cipher):
    account_id, (old, failed, new) = _targets(db, cipher, 3)
    last_month = month_start(db.now()) - timedelta(days=3)

    def work(s):
        s.get(PostTarget, old).status = "published"
        s.get(PostTarget, old).published_at = last_month
        s.get(PostTarget, old).cost_usd = 5.0
        s.get(PostTarget, failed).status = "failed"  # reserved, then never sent
        s.get(PostTarget, failed).cost_usd = 5.0

    db.transaction(work)
    assert _reserve(db, account_id, new, 1.0, 1.0).allowed


def test_many_workers_reserving_at_once_never_overspend(db, cipher):
    account_id, ids = _targets(db, cipher, 12)
    results: list[bool] = []
    start = threading.Barrier(len(ids))

    def one(target_id):
        start.wait()
        for _ in range(20):  # SQLite's writer lock may time out under the burst: ask again
            try:
                results.append(_reserve(db, account_id, target_id, 0.20, 1.00).allowed)
                return
            except Exception as exc:  # only "database is locked" is expected
                assert "locked" in str(exc), exc

    threads = [threading.Thread(target=one, args=(t,)) for t in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == len(ids) and results.count(True) == 5


def test_months_are_utc_calendar_months():
    december = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
    assert month_start(december) == datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert next_month(december) == datetime(2027, 1, 1, tzinfo=timezone.utc)
