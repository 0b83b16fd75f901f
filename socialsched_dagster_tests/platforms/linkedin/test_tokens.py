"""LinkedIn tokens: a partner app's refresh token renews the 60-day access token (and stays the
same, counting down its fixed 365 days); without one nothing can renew it, and the token sweep
holds the account's posts before the token runs out."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.platforms.linkedin.settings import LinkedInSettings
from socialsched_dagster.platforms.linkedin.tokens import refresh_linkedin
from socialsched_dagster.platforms.registry import spec
from socialsched_dagster.platforms.token_refresh import TokenRefreshError
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import Account, PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.store.tokens import read_secrets
from socialsched_dagster.tokens.refresher import TokenRefresher
from socialsched_dagster.tokens.sweep import refresh_due_tokens

from .helpers import CLIENT_ID, CLIENT_SECRET, MEMBER, PAGE, P, configure, job, text
from .helpers import tokens_with_refresh as issue

DAY = 86400
APP = LinkedInSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def _refresh(config, access: str, refresh: str | None, settings=APP):
    with httpx.Client(timeout=5) as http:
        return refresh_linkedin(config, http, access, refresh, settings)


def _refused(config, access, refresh, settings=APP) -> TokenRefreshError:
    with pytest.raises(TokenRefreshError) as err:
        _refresh(config, access, refresh, settings)
    return err.value


def test_a_refresh_token_renews_for_60_days_and_the_new_token_publishes(sb, config, li):
    issued = issue(sb, MEMBER, issued_ago=50 * DAY)
    renewed = _refresh(config, issued["access_token"], issued["refresh_token"])
    assert renewed.expires_in == 60 * DAY and renewed.access_token != issued["access_token"]
    assert renewed.refresh_token is None  # LinkedIn's does not rotate: the stored one stays
    j = job(sb, text("with the renewed token"), account=MEMBER, access_token=renewed.access_token)
    li.publish(j, li.prepare(j))
    assert len(sb.control.ledger()) == 1
    assert spec(P).refresh_horizon == timedelta(days=7)


def test_near_the_refresh_tokens_year_the_access_token_ends_with_it(sb, config):
    issued = issue(sb, PAGE, issued_ago=360 * DAY)
    renewed = _refresh(config, issued["access_token"], issued["refresh_token"])
    assert 5 * DAY - 60 < renewed.expires_in <= 5 * DAY  # 365 - 360: not a fresh 60 days
    late = issue(sb, PAGE, issued_ago=366 * DAY)
    dead = _refused(config, late["access_token"], late["refresh_token"])
    assert dead.permanent and "invalid, expired or revoked" in dead.message
    assert "connect the LinkedIn account again" in dead.message


def test_a_revoked_grant_cannot_be_renewed_and_no_secret_is_quoted(sb, config):
    issued = issue(sb, PAGE)
    sb.control.revoke(PAGE, "linkedin")
    dead = _refused(config, issued["access_token"], issued["refresh_token"])
    assert dead.permanent and dead.code == "invalid_request"
    assert issued["refresh_token"] not in str(dead) and CLIENT_SECRET not in str(dead)


def test_without_a_refresh_token_nothing_can_renew_it(sb, config):
    dead = _refused(config, issue(sb, PAGE)["access_token"], None)
    assert dead.permanent and dead.code == "no_refresh_token"
    assert "approved partner apps" in dead.message and "connect the account again" in dead.message
    assert sb.control.stats()["requests_total"] == 0


def test_app_credentials_are_the_operators_to_fix_not_the_members(sb, config):
    issued = issue(sb, PAGE)
    missing = _refused(config, issued["access_token"], issued["refresh_token"], LinkedInSettings())
    assert not missing.permanent and missing.code == "config"
    configure(sb, client_secret="the-real-secret")
    wrong = _refused(config, issued["access_token"], issued["refresh_token"])
    assert not wrong.permanent and wrong.code == "invalid_client"
    assert "Client authentication failed" in wrong.message


def test_the_sweep_renews_a_partner_account_and_holds_one_it_cannot_renew(
    sb, config, db, cipher, monkeypatch
):
    monkeypatch.setenv("SOCIALSCHED_LINKEDIN_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SOCIALSCHED_LINKEDIN_CLIENT_SECRET", CLIENT_SECRET)
    partner, plain = issue(sb, PAGE, issued_ago=57 * DAY), issue(sb, MEMBER, issued_ago=57 * DAY)
    expires = utcnow() + timedelta(days=3)  # inside the 7-day horizon

    def seed(s):
        renewable = add_account(
            s, cipher, platform=P, external_id=PAGE, handle="acme-page",
            access_token=partner["access_token"], refresh_token=partner["refresh_token"],
            expires_at=expires,
        )  # fmt: skip
        held = add_account(
            s, cipher, platform=P, external_id=MEMBER, handle="ana",
            access_token=plain["access_token"], expires_at=expires,
        )  # fmt: skip
        due = utcnow() + timedelta(days=1)
        insert_posts(
            s,
            [
                PostRequest(
                    PostContent(text="soon"), due, "UTC", (held.id,), frozenset(), None, "li-1"
                )
            ],
        )
        return renewable.id, held.id

    renewable_id, held_id = db.transaction(seed)
    refresher = TokenRefresher(db, cipher, config, None)
    report = refresh_due_tokens(refresher)
    outcomes = {r.account: r for r in report.results}
    assert outcomes["linkedin:acme-page"].outcome == "refreshed"
    failed = outcomes["linkedin:ana"]
    assert failed.outcome == "failed_permanent" and failed.held == 1
    assert "no refresh token" in failed.message
    with db.session() as s:
        assert s.get(Account, held_id).status == "reauth_required"
        target = s.query(PostTarget).filter_by(account_id=held_id).one()
        assert target.status == "held" and "approved partner apps" in target.error_message
        # The deadline for reconnecting: the date the token stops working.
        assert f"(the token expires {expires:%Y-%m-%d %H:%M} UTC)" in target.error_message
        fresh = read_secrets(s, cipher, renewable_id)
    assert (fresh.expires_at - utcnow()).total_seconds() > 59 * DAY
    assert fresh.refresh_token == partner["refresh_token"]
