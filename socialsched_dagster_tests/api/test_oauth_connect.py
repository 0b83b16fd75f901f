"""Connecting accounts through each platform's own OAuth consent, over real HTTP: the API's
start, the browser's trip through the (sandbox) platform's consent page and back, and the
account then listed by the API with a token that publishes."""

from __future__ import annotations

import pytest

from .oauth_world import OAUTH_PLATFORMS, oauth_fixture, query_of, sandbox_fixture, text_of  # noqa: F401 (fixtures)

SEEDED = {"facebook:page", "mastodon:toots", "instagram:shop"}  # conftest.seed's


# The flow's SQL is the same for every platform: the platforms on SQLite here, both databases
# in test_oauth_security.py.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("platform", OAUTH_PLATFORMS, ids=lambda p: p.value)
def test_an_account_connects_through_its_platforms_consent_and_publishes(oauth, platform):
    connect_url = oauth.start(platform)
    assert set(query_of(connect_url)) == {"ticket"}  # nothing else rides in the link

    page = oauth.browser().connect(connect_url)

    assert page.status_code == 200, text_of(page)
    [(ref, account)] = [(r, a) for r, a in oauth.accounts().items() if r not in SEEDED]
    assert ref.startswith(f"{platform.value}:") and account["status"] == "active"
    assert f"Connected {ref} to workspace acme" in text_of(page)
    assert "sbx1." not in page.text  # no token on the page
    # The stored token is the platform's own: the platform takes a post with it.
    entry = oauth.publish_with_stored_token(platform, account["external_id"])
    assert entry["account"] == account["external_id"]
    [(workspace_id, subject, detail)] = oauth.audit("account.connect")
    assert workspace_id == oauth.ids["acme"] and subject == f"account:{account['id']}"
    assert detail == {"platform": platform.value, "via": "oauth", "reconnected": False}


def test_connecting_an_account_again_gives_it_the_new_token(oauth):
    from socialsched_dagster.domain.platforms import Platform

    first = oauth.browser().connect(oauth.start(Platform.X), account="1500000000000000999")
    assert "Connected x:" in text_of(first)
    _, old_token = oauth.stored(Platform.X, "1500000000000000999")

    again = oauth.browser().connect(oauth.start(Platform.X), account="1500000000000000999")

    assert "Reconnected x:" in text_of(again)
    x_accounts = [a for ref, a in oauth.accounts().items() if ref.startswith("x:")]
    assert len(x_accounts) == 1
    _, new_token = oauth.stored(Platform.X, "1500000000000000999")
    assert new_token != old_token
    details = [detail for _, _, detail in oauth.audit("account.connect")]
    assert [d["reconnected"] for d in details] == [False, True]


def test_bluesky_connects_with_an_app_password_checked_on_its_pds(oauth):
    from socialsched_dagster.domain.platforms import Platform
    from socialsched_dagster.sandbox.control import SandboxControl

    did = "did:plc:oauthtest0000000000000001"
    with SandboxControl(oauth.sandbox) as control:
        password = control.mint_token("bluesky", did, expires_in=None)["access_token"]
    admin = oauth.admin()
    refused = admin.post("/api/v1/oauth/bluesky/start", json={"server": oauth.sandbox})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "use_app_password"
    wrong = admin.post(
        "/api/v1/oauth/bluesky/app-password",
        json={"server": oauth.sandbox, "identifier": did, "password": "not-the-password"},
    )
    assert wrong.status_code == 502, wrong.text
    assert "not-the-password" not in wrong.text
    assert not [r for r in oauth.accounts() if r.startswith("bluesky:")]

    answer = admin.post(
        "/api/v1/oauth/bluesky/app-password",
        json={"server": oauth.sandbox, "identifier": did, "password": password},
    )

    assert answer.status_code == 201, answer.text
    account = answer.json()["account"]
    assert account["external_id"] == did and account["account"].startswith("bluesky:")
    assert password not in answer.text
    assert oauth.accounts()[account["account"]]["status"] == "active"
    entry = oauth.publish_with_stored_token(Platform.BLUESKY, did)
    assert entry["account"] == did
