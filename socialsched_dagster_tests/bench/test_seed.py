"""What the pipeline scenarios seed: every platform of the registry, its accounts as its client
needs them (a server for platforms that live on one, a refresh token where the platform renews
with one), its share of the posts; and our own budgets sized so that only the platforms' limits
pace a burst."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from socialsched_dagster.bench.daemon_scenario import Scenario, seed
from socialsched_dagster.bench.environment import open_environment
from socialsched_dagster.bench.suite import SCENARIOS, rate_limits
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.registry import spec, specs
from socialsched_dagster.resilience.limits_config import RateLimits
from socialsched_dagster.store.models import Account, PostTarget

ACCOUNTS = 2


def test_seed_gives_every_platform_its_accounts_and_its_share_of_the_posts() -> None:
    posts = 3 * ACCOUNTS * len(Platform)
    scenario = Scenario("seed", posts, ACCOUNTS, start_in_s=3600, spread_s=0)
    with ExitStack() as stack:
        env = open_environment(
            stack, database_url=None, redis_url=None, sandbox_settings={}, latency_ms=0,
            publish_env={},
        )  # fmt: skip
        seed(env, scenario)
        with env.db.session() as s:
            accounts = s.scalars(select(Account).options(selectinload(Account.token))).all()
            targets = s.scalars(select(PostTarget)).all()
            base_url = env.sandbox.base_url
            tokens = {a.id: env.cipher.decrypt(a.token.access_token_enc) for a in accounts}

    assert Counter(a.platform for a in accounts) == {p.value: ACCOUNTS for p in Platform}
    for a in accounts:
        platform = spec(Platform(a.platform))
        assert a.server_url == (base_url if platform.needs_server else None)
        if platform.samples.refresh_token:
            assert a.token.refresh_token_enc is not None, a.platform
        assert tokens[a.id]
    platform_of = {a.id: a.platform for a in accounts}
    assert Counter(t.platform for t in targets) == {
        p.value: posts // len(Platform) for p in Platform
    }
    assert all(platform_of[t.account_id] == t.platform for t in targets)


def test_our_app_budgets_cover_every_account_of_the_burst() -> None:
    burst = SCENARIOS["burst"]
    limits = RateLimits.from_dict(json.loads(rate_limits(burst)))

    for each in specs():
        budget = limits.shared(each.platform)
        assert budget.account_calls == each.rate_budget().account_calls
        assert budget.app_calls >= budget.account_calls * burst.accounts_per_platform
