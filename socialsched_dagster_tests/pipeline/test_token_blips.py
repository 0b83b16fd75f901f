"""A network blip on a token endpoint never locks an account: the token's version moves only
with the token, one failed refresh counts once, and a refusal after another worker's refresh
retries later instead of holding the account's posts."""

import time
from datetime import timedelta

import redis

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.resources.platforms import platform_config_from_env
from socialsched_dagster.store.models import Account, OAuthToken, PostTarget
from socialsched_dagster.tokens.refresher import TokenRefresher

from .inprocess import window_run
from .test_token_lifecycle import set_token

YT = Platform.YOUTUBE
TOKEN_DOWN = {"error_rates": {"token_google": {"rate": 1.0, "status": 503}}}


def _token(world) -> OAuthToken:
    with world.db.session() as s:
        return s.query(OAuthToken).filter_by(account_id=world.account_ids[YT]).one()


def test_one_failed_refresh_counts_once_and_leaves_the_version_alone(world, cipher):
    set_token(world, cipher, YT, expires_in=120)
    before = _token(world)
    world.sandbox.control.set_faults(**TOKEN_DOWN)
    refresher = TokenRefresher(
        world.db, cipher, platform_config_from_env(),
        redis.Redis.from_url(world.env["REDIS_URL"]),
    )  # fmt: skip
    seen_at = world.db.now()  # two workers met the same auth error at this time
    first = refresher.refresh(
        world.account_ids[YT], after_auth_error_on=before.version, seen_at=seen_at
    )
    second = refresher.refresh(
        world.account_ids[YT], after_auth_error_on=before.version, seen_at=seen_at
    )
    assert first.outcome == second.outcome == "failed_transient"
    assert "a refresh just failed" in second.message
    after = _token(world)
    assert after.version == before.version  # the token did not change
    assert after.consecutive_failures == 1
    assert world.sandbox.control.stats()["requests"]["token_google"] == 1


def test_a_token_endpoint_blip_during_a_run_holds_no_post_and_they_go_out_after(world, cipher):
    set_token(world, cipher, YT, expires_in=1)
    ids = world.schedule(YT, 4, due_in_s=2)
    time.sleep(1.5)  # the access token is now expired at the platform
    world.sandbox.control.set_faults(**TOKEN_DOWN)
    window_run(world, YT, workers=4, idle_exit_s=1).run()
    with world.db.session() as s:
        assert s.get(Account, world.account_ids[YT]).status == "active"
        statuses = {t.id: t.status for t in s.query(PostTarget)}
    assert statuses == dict.fromkeys(ids, "scheduled"), statuses  # retried later, none held
    assert _token(world).consecutive_failures == 1
    world.sandbox.control.clear_faults()
    with world.db.session() as s, s.begin():  # a minute later: the back-offs are over
        for t in s.query(PostTarget):
            t.next_attempt_at = None
        token = s.query(OAuthToken).filter_by(account_id=world.account_ids[YT]).one()
        token.updated_at = world.db.now() - timedelta(minutes=1)
    window_run(world, YT, workers=4, idle_exit_s=1).run()
    with world.db.session() as s:
        assert {t.status for t in s.query(PostTarget)} == {"published"}
    world.assert_exactly_once()
