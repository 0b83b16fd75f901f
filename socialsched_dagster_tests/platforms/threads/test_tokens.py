"""th_refresh_token: 60-day tokens renewed once 24 h old; a dead token is AUTH, for good."""

from __future__ import annotations

import httpx
import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.registry import spec
from socialsched_dagster.platforms.token_refresh import TokenRefreshError

from .helpers import USER, P, job, text, token


def _refresh(config, access: str):
    with httpx.Client(timeout=5) as http:
        return spec(P).refresh_token(config, http, access, None)


def test_a_day_old_token_is_renewed_for_60_days_and_publishes(sb, config, th):
    old = token(sb, issued_ago=25 * 3600)
    renewed = _refresh(config, old)
    assert renewed.expires_in == 60 * 86400 and renewed.access_token != old
    j = job(sb, text("with the renewed token"), access_token=renewed.access_token)
    th.publish(j, th.prepare(j))
    assert len(sb.control.ledger()) == 1
    assert spec(P).refresh_horizon.days == 7


def test_a_token_younger_than_a_day_is_not_renewed_yet(sb, config):
    with pytest.raises(TokenRefreshError) as err:
        _refresh(config, token(sb))
    assert err.value.permanent is False  # try again later, the account is fine
    assert "at least 24 hours old" in err.value.message


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_a_dead_token_cannot_be_renewed(sb, config, how):
    if how == "expired":
        access = token(sb, issued_ago=61 * 86400, expires_in=60 * 86400)
    else:
        access = token(sb, issued_ago=2 * 86400)
        sb.control.revoke(USER, P.value)
    with pytest.raises(TokenRefreshError) as err:
        _refresh(config, access)
    assert err.value.permanent is True and err.value.code.startswith("190")
    assert "connect the Threads account again" in err.value.message
    assert access not in str(err.value)


def test_a_dead_token_at_publish_is_auth_expired(sb, th):
    j = job(sb, text("too late"), issued_ago=61 * 86400, expires_in=60 * 86400)
    with pytest.raises(PublishError) as err:
        th.prepare(j)
    assert err.value.kind is ErrorKind.AUTH_EXPIRED and err.value.code == "190/463"
    assert j.access_token not in str(err.value)


def test_refresh_when_the_platform_is_down_is_transient(sb, config):
    sb.control.set_faults(down=True)
    with pytest.raises(TokenRefreshError) as err:
        _refresh(config, token(sb, issued_ago=2 * 86400))
    assert err.value.permanent is False
