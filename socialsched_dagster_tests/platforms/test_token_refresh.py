"""The three token refresh calls against the sandbox's token endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.token_refresh import (
    TokenRefreshError,
    exchange_facebook,
    refresh_google,
    refresh_instagram,
)
from socialsched_dagster.sandbox.process import free_port

from .helpers import CHANNEL, IG, PAGE

DAY = 86400


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2) as client:
        yield client


def mint(sb, platform: str, account: str, **kw) -> dict:
    return sb.control.mint_token(platform, account, **kw)


def refused(fn, *args) -> TokenRefreshError:
    with pytest.raises(TokenRefreshError) as err:
        fn(*args)
    return err.value


def test_instagram_refresh(sb, config, http, ig):
    old = mint(sb, "instagram", IG, issued_ago=2 * DAY)["access_token"]
    fresh = refresh_instagram(config, http, old)
    assert fresh.expires_in == 60 * DAY and fresh.refresh_token is None
    assert fresh.access_token not in repr(fresh)
    job = ig_job(fresh.access_token)
    assert ig.publishing_limit(job) == (0, 2)  # the new token works

    young = refused(refresh_instagram, config, http, mint(sb, "instagram", IG)["access_token"])
    assert not young.permanent and young.code == "100" and "too new" in young.message
    dead = mint(sb, "instagram", IG, expires_in=DAY, issued_ago=2 * DAY)["access_token"]
    expired = refused(refresh_instagram, config, http, dead)
    assert expired.permanent and expired.code == "190/463"
    sb.control.revoke(IG, "instagram")
    assert refused(refresh_instagram, config, http, old).permanent


def test_instagram_refresh_transient_failures(sb, config, http):
    old = mint(sb, "instagram", IG, issued_ago=2 * DAY)["access_token"]
    sb.control.set_faults(error_rates={"token_ig": {"rate": 1.0, "status": 503}})
    assert not refused(refresh_instagram, config, http, old).permanent
    nowhere = PlatformConfig.for_sandbox(f"http://127.0.0.1:{free_port()}")
    network = refused(refresh_instagram, nowhere, http, old)
    assert not network.permanent and "ConnectError" in network.message


def test_facebook_exchange(sb, config, http):
    token = mint(sb, "facebook", PAGE)["access_token"]
    fresh = exchange_facebook(config, http, token)
    assert fresh.access_token != token and fresh.expires_in == 60 * DAY
    dead = mint(sb, "facebook", PAGE, expires_in=60, issued_ago=120)["access_token"]
    assert refused(exchange_facebook, config, http, dead).permanent
    # Our own app credentials being wrong is for an operator to fix, not the user.
    wrong = refused(exchange_facebook, config.replace(meta_app_secret="nope"), http, token)
    assert not wrong.permanent and wrong.code == "101" and "nope" not in str(wrong)
    missing = refused(exchange_facebook, config.replace(meta_app_id=None), http, token)
    assert not missing.permanent and missing.code == "config"


def test_google_refresh(sb, config, http):
    grant = mint(sb, "youtube", CHANNEL)["refresh_token"]
    fresh = refresh_google(config, http, grant)
    assert fresh.access_token and fresh.expires_in == 3599 and fresh.refresh_token is None
    sb.control.set_faults(error_rates={"token_google": {"rate": 1.0, "status": 503}})
    busy = refused(refresh_google, config, http, grant)
    assert not busy.permanent and busy.code == "internal_failure"
    sb.control.clear_faults()
    wrong = refused(refresh_google, config.replace(google_client_secret="nope"), http, grant)
    assert not wrong.permanent and wrong.code == "invalid_client"
    sb.control.revoke(CHANNEL, "youtube")
    revoked = refused(refresh_google, config, http, grant)
    assert revoked.permanent and revoked.code == "invalid_grant"
    assert "expired or revoked" in revoked.message and grant not in str(revoked)


def ig_job(token: str):
    from socialsched_dagster.platforms.base import PublishJob

    return PublishJob(1, Platform.INSTAGRAM, IG, token, PostContent(text="x"))
