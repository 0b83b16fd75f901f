"""X's OAuth 2 refresh: 2-hour access tokens, refresh tokens that ROTATE (the new one is
stored with the new access token; the old one is spent), and a refresh X refuses for good
holding the account's posts for a reconnect. Through the real token refresher and database."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.platforms.token_refresh import TokenRefreshError
from socialsched_dagster.platforms.x.settings import XSettings
from socialsched_dagster.platforms.x.tokens import refresh_x
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import Account, PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.store.tokens import read_secrets
from socialsched_dagster.tokens.refresher import TokenRefresher

from .helpers import USER, P, job, tokens

APP = XSettings(client_id="sandbox-x-app")


def refresh(x_config, refresh_token, settings=APP):
    with httpx.Client(timeout=5) as http:
        return refresh_x(x_config, http, refresh_token, settings)


def test_a_refresh_answers_a_2_hour_token_and_a_new_refresh_token(sb, x_config, xc):
    issued = tokens(sb)
    fresh = refresh(x_config, issued["refresh_token"])
    assert fresh.expires_in == 7200 and fresh.access_token != issued["access_token"]
    assert fresh.refresh_token and fresh.refresh_token != issued["refresh_token"]
    j = job(sb, PostContent(text="with the renewed token"), token=fresh.access_token)
    xc.publish(j, xc.prepare(j))
    assert len(sb.control.ledger()) == 1
    # The old refresh token is spent: X refuses it for good, in its own words.
    with pytest.raises(TokenRefreshError) as err:
        refresh(x_config, issued["refresh_token"])
    assert err.value.permanent and err.value.code == "invalid_request"
    assert "Value passed for the token was invalid." in err.value.message
    assert issued["refresh_token"] not in str(err.value)
    # The new one is good for exactly one more refresh.
    assert refresh(x_config, fresh.refresh_token).refresh_token


def test_a_confidential_client_authenticates_with_its_secret(sb, x_config):
    settings = XSettings(client_id="sandbox-x-app", client_secret="s3cret-value")
    assert refresh(x_config, tokens(sb)["refresh_token"], settings).access_token


def test_no_client_id_is_the_operators_to_fix_not_the_users(sb, x_config):
    with pytest.raises(TokenRefreshError) as err:
        refresh(x_config, tokens(sb)["refresh_token"], XSettings())
    assert not err.value.permanent and err.value.code == "config"
    assert "client_id" in err.value.message


def test_no_refresh_token_cannot_be_renewed(x_config):
    with pytest.raises(TokenRefreshError) as err:
        refresh(x_config, None)
    assert err.value.permanent and "offline.access" in err.value.message


def test_x_down_is_a_transient_failure(sb, x_config):
    sb.control.set_faults(down=True)
    with pytest.raises(TokenRefreshError) as err:
        refresh(x_config, tokens(sb)["refresh_token"])
    assert not err.value.permanent


def _account(db, cipher, issued, *, expires_in_s: float, posts: int = 0) -> int:
    def work(s):
        account = add_account(
            s, cipher, platform=P, external_id=USER, handle="test_x",
            access_token=issued["access_token"], refresh_token=issued["refresh_token"],
            expires_at=utcnow() + timedelta(seconds=expires_in_s),
        )  # fmt: skip
        due = utcnow() + timedelta(hours=1)
        insert_posts(
            s,
            [
                PostRequest(PostContent(text=f"later {n}"), due, "UTC", (account.id,),
                            frozenset(), None, f"x-token-{n}")
                for n in range(posts)
            ],
        )  # fmt: skip
        return account.id

    return db.transaction(work)


def _secrets(db, cipher, account_id):
    return db.transaction(lambda s: read_secrets(s, cipher, account_id))


def test_the_rotated_refresh_token_is_stored_with_the_new_access_token(
    sb, db, cipher, x_config, monkeypatch
):
    monkeypatch.setenv("SOCIALSCHED_X_CLIENT_ID", "sandbox-x-app")
    issued = tokens(sb)
    # 10 minutes left: inside X's 20-minute horizon.
    account_id = _account(db, cipher, issued, expires_in_s=600)
    refresher = TokenRefresher(db, cipher, x_config, None)
    first = refresher.refresh(account_id)
    assert first.outcome == "refreshed", first
    stored = _secrets(db, cipher, account_id)
    assert stored.access_token != issued["access_token"]
    assert stored.refresh_token not in (None, issued["refresh_token"])
    assert 7100 < (stored.expires_at - utcnow()).total_seconds() <= 7200
    # Two hours on, the token is due again: the stored (rotated) refresh token renews it.
    soon = utcnow() + timedelta(minutes=5)
    db.transaction(lambda s: setattr(s.get(Account, account_id).token, "expires_at", soon))
    assert refresher.refresh(account_id).outcome == "refreshed"
    again = _secrets(db, cipher, account_id)
    assert again.refresh_token not in (stored.refresh_token, issued["refresh_token"])
    assert sb.control.stats()["requests"]["x_token"] == 2


def test_a_refresh_x_refuses_for_good_holds_the_accounts_posts(
    sb, db, cipher, x_config, monkeypatch
):
    monkeypatch.setenv("SOCIALSCHED_X_CLIENT_ID", "sandbox-x-app")
    issued = tokens(sb)
    account_id = _account(db, cipher, issued, expires_in_s=600, posts=2)
    refresh(x_config, issued["refresh_token"])  # another copy of the app spent it
    result = TokenRefresher(db, cipher, x_config, None).refresh(account_id)
    assert result.outcome == "failed_permanent" and result.held == 2
    assert "Value passed for the token was invalid." in result.message
    with db.session() as s:
        assert s.get(Account, account_id).status == "reauth_required"
        assert {t.status for t in s.query(PostTarget)} == {"held"}
    assert sb.control.ledger() == []
