"""X's pay-per-use through the real publisher, on both databases: with a monthly budget per
account, posts go out while their estimated cost fits and the rest are held with the spend and
the way out in their message; raising the budget and `posts retry` sends them; the estimated
spend is a metric."""

from __future__ import annotations

import time
from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.metrics import ExporterConfig, build_collector
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts, retry_post
from socialsched_dagster_tests.pipeline.inprocess import window_run

from .helpers import P, tokens
from .test_pipeline import x_account


def _schedule(world, account_id: int, count: int) -> list[int]:
    due = utcnow() + timedelta(seconds=1)
    world.last_due = due
    stamp = time.time()
    requests = [
        PostRequest(PostContent(text=f"paid post {i} {stamp}"), due, "UTC", (account_id,),
                    frozenset(), None, f"budget-{stamp}-{i}")
        for i in range(count)
    ]  # fmt: skip
    post_ids = world.db.transaction(lambda s: insert_posts(s, requests))
    with world.db.session() as s:
        return [s.query(PostTarget).filter_by(post_id=p).one().id for p in post_ids]


def test_posts_past_the_monthly_budget_are_held_not_sent(world, cipher):
    account_id = x_account(world, cipher, tokens(world.sandbox))
    ids = _schedule(world, account_id, 5)
    # $0.015 a post: three fit in $0.05, a fourth would make $0.06.
    budget = (("x", 0.05),)
    window_run(world, P, idle_exit_s=1, monthly_budgets_usd=budget).run()
    with world.db.session() as s:
        targets = [s.get(PostTarget, i) for i in ids]
    assert sorted(t.status for t in targets) == ["held"] * 2 + ["published"] * 3
    assert len([e for e in world.ledger() if e["platform"] == "x"]) == 3
    held = [t for t in targets if t.status == "held"]
    for t in held:
        assert t.error_code == "budget_cap"
        assert "x budget for" in t.error_message and "$0.04 of $0.05 spent" in t.error_message
        assert "SOCIALSCHED_X_MONTHLY_BUDGET_USD" in t.error_message
        assert f"socialsched posts retry {t.post_id}" in t.error_message

    # The spend, as a scrape sees it.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(build_collector(ExporterConfig.from_env(world.env)))
    spend = {
        (s.labels["platform"], s.labels["account"]): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
        if s.name == "socialsched_spend_usd"
    }
    assert spend.keys() == {("x", "test_x")} and abs(spend["x", "test_x"] - 0.045) < 1e-9

    # A higher budget, and the held posts re-published: they go out, once each.
    now = world.db.now()
    for t in held:
        world.db.transaction(
            lambda s, t=t: retry_post(s, t.post_id, now=now, stale_before=now - timedelta(hours=2))
        )
    window_run(world, P, run_id="run-2", idle_exit_s=1, monthly_budgets_usd=(("x", 1.0),)).run()
    assert set(world.statuses(P).values()) == {"published"}
    assert len([e for e in world.ledger() if e["platform"] == "x"]) == 5
    world.assert_exactly_once()
