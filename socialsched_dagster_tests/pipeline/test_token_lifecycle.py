"""Token lifecycle against the sandbox token endpoints over real HTTP, real Redis, both DBs."""

import json
import threading
import time
from datetime import timedelta

import pytest
import redis
from dagster import DagsterInstance, SkipReason, build_sensor_context

from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.resources.platforms import platform_config_from_env
from socialsched_dagster.store.models import Account, OAuthToken, utcnow
from socialsched_dagster.store.tokens import read_secrets
from socialsched_dagster.tokens.policy import RefreshPolicy
from socialsched_dagster.tokens.refresher import TokenRefresher

from .conftest import EXTERNAL_IDS
from .inprocess import execute_window

IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE
APP = {"SOCIALSCHED_META_APP_ID": "app-1", "SOCIALSCHED_META_APP_SECRET": "app-secret-1"}


@pytest.fixture
def tokens_env(world, monkeypatch):
    for key, value in APP.items():
        monkeypatch.setenv(key, value)
    world.env.update(APP)
    return world


def refresher(world, cipher) -> TokenRefresher:
    return TokenRefresher(
        world.db, cipher, platform_config_from_env(), redis.Redis.from_url(world.env["REDIS_URL"])
    )


def set_token(world, cipher, platform, *, expires_in, issued_ago=0):
    """Give the test account of `platform` a sandbox token with this lifetime."""
    # The sandbox counts a lifetime from the (back-dated) issue time.
    issued = world.sandbox.control.mint_token(
        platform.value, EXTERNAL_IDS[platform], expires_in=expires_in + issued_ago,
        issued_ago=issued_ago,
    )  # fmt: skip
    account_id = world.account_ids[platform]
    with world.db.session() as s, s.begin():
        token = s.query(OAuthToken).filter_by(account_id=account_id).one()
        token.access_token_enc = cipher.encrypt(issued["access_token"])
        if issued.get("refresh_token"):
            token.refresh_token_enc = cipher.encrypt(issued["refresh_token"])
        token.expires_at = utcnow() + timedelta(seconds=expires_in) if expires_in else None
    return issued


def secrets(world, cipher, platform):
    with world.db.session() as s:
        return read_secrets(s, cipher, world.account_ids[platform])


@pytest.mark.parametrize("platform", [IG, FB, YT])
def test_each_platform_refreshes_through_its_protocol(tokens_env, cipher, platform):
    world = tokens_env
    # Inside the horizon: 10 minutes for 1-hour Google tokens, 7 days for 60-day Meta tokens.
    expires_in = 300 if platform is YT else 3 * 86400
    old = set_token(world, cipher, platform, expires_in=expires_in, issued_ago=2 * 86400)
    result = refresher(world, cipher).refresh(world.account_ids[platform])
    assert result.outcome == "refreshed", result
    now = secrets(world, cipher, platform)
    assert now.access_token != old["access_token"]
    lifetime = (now.expires_at - utcnow()).total_seconds()
    expected = 3599 if platform is YT else 60 * 86400
    assert expected - 120 < lifetime <= expected + 5
    endpoint = {IG: "token_ig", FB: "token_fb", YT: "token_google"}[platform]
    assert world.sandbox.control.stats()["requests"][endpoint] == 1


def test_a_token_outside_its_horizon_is_left_alone(tokens_env, cipher):
    set_token(tokens_env, cipher, IG, expires_in=30 * 86400, issued_ago=2 * 86400)
    result = refresher(tokens_env, cipher).refresh(tokens_env.account_ids[IG])
    assert result.outcome == "skipped"
    assert "token_ig" not in tokens_env.sandbox.control.stats()["requests"]


def test_two_concurrent_refreshes_of_one_account_call_the_platform_once(tokens_env, cipher):
    set_token(tokens_env, cipher, YT, expires_in=120)
    tokens_env.sandbox.control.set_faults(latency_ms=500)  # both are in flight together
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                refresher(tokens_env, cipher).refresh(tokens_env.account_ids[YT])
            )
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.outcome for r in results) == ["refreshed", "skipped"]
    assert tokens_env.sandbox.control.stats()["requests"]["token_google"] == 1


def test_a_transient_503_keeps_the_account_active_and_retries(tokens_env, cipher):
    set_token(tokens_env, cipher, YT, expires_in=120)
    tokens_env.sandbox.control.set_faults(
        error_rates={"token_google": {"rate": 1.0, "status": 503}}
    )
    first = refresher(tokens_env, cipher).refresh(tokens_env.account_ids[YT])
    assert first.outcome == "failed_transient"
    with tokens_env.db.session() as s:
        assert s.get(Account, tokens_env.account_ids[YT]).status == "active"
        token = s.query(OAuthToken).filter_by(account_id=tokens_env.account_ids[YT]).one()
        assert token.consecutive_failures == 1
    tokens_env.sandbox.control.clear_faults()
    assert refresher(tokens_env, cipher).refresh(tokens_env.account_ids[YT]).outcome == "refreshed"


def test_invalid_grant_holds_posts_alerts_and_reconnect_releases_them(tokens_env, cipher):
    world = tokens_env
    set_token(world, cipher, YT, expires_in=120)
    ids = world.schedule(YT, 2, due_in_s=3600)
    world.sandbox.control.revoke(EXTERNAL_IDS[YT], "youtube")
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("refresh_tokens").execute_in_process(instance=instance)
        assert result.success
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        logs = [r.user_message for r in instance.all_logs(result.run_id)]
    assert world.statuses() == dict.fromkeys(ids, "held")
    with world.db.session() as s:
        assert s.get(Account, world.account_ids[YT]).status == "reauth_required"
    alert = checks["no_account_awaiting_reauth"]
    assert not alert.passed and alert.severity.value == "ERROR"
    assert "youtube:test_youtube (2 post(s) held)" in alert.description
    assert any("youtube:test_youtube needs re-authorisation" in m for m in logs)
    # No token in logs, metadata or check output.
    leaked = json.dumps(logs) + json.dumps(str(checks))
    assert "sbx1." not in leaked

    import subprocess

    from socialsched_dagster_tests.cli.conftest import SCRIPT

    fresh = world.sandbox.control.mint_token("youtube", EXTERNAL_IDS[YT])
    out = subprocess.run(
        [str(SCRIPT), "accounts", "reconnect", "youtube:test_youtube", "--expires-in", "3599"],
        input=f"{fresh['access_token']}\n{fresh['refresh_token']}\n", text=True,
        capture_output=True, env=world.env, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "2 held post(s) released" in out.stdout and "sbx1." not in out.stdout + out.stderr
    assert world.statuses() == dict.fromkeys(ids, "scheduled")
    with world.db.session() as s:
        assert s.get(Account, world.account_ids[YT]).status == "active"


def test_a_token_that_expires_during_a_run_is_refreshed_once_and_the_post_goes_out(
    tokens_env, cipher
):
    world = tokens_env
    set_token(world, cipher, YT, expires_in=2)  # dead by the time the post is due
    world.schedule(YT, 1, due_in_s=4)
    time.sleep(2.5)
    ok, out = execute_window(world, YT)
    assert ok, out
    assert set(world.statuses().values()) == {"published"}
    world.assert_exactly_once()
    assert world.sandbox.control.stats()["requests"]["token_google"] == 1
    assert "sbx1." not in out


def test_a_revoked_token_met_while_publishing_holds_without_looping(tokens_env, cipher):
    world = tokens_env
    world.schedule(YT, 1, due_in_s=2)
    world.sandbox.control.revoke(EXTERNAL_IDS[YT], "youtube")
    ok, out = execute_window(world, YT)
    assert ok, out
    assert set(world.statuses().values()) == {"held"}
    assert world.sandbox.control.stats()["requests"].get("token_google", 0) == 1
    assert world.ledger() == []


def test_the_sensor_requests_each_refresh_once(tokens_env, cipher):
    set_token(tokens_env, cipher, YT, expires_in=120)
    sensor = defs.resolve_sensor_def("expiring_tokens_sensor")
    with DagsterInstance.get() as instance:
        with build_sensor_context(instance=instance, resources=defs.resources) as context:
            first = sensor(context)
            cursor = context.cursor
        with build_sensor_context(
            instance=instance, resources=defs.resources, cursor=cursor
        ) as context:
            second = sensor(context)
    assert first.run_key and first.run_key.startswith("tokens-")
    assert isinstance(second, SkipReason) and "already requested" in second.skip_message
    assert RefreshPolicy().due(YT, utcnow() + timedelta(seconds=120), utcnow())
