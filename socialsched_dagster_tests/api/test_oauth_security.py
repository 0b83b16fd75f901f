"""What the connect flow refuses: a callback in another browser, a replayed or expired state,
a link opened twice, denied consent, a wrong PKCE verifier (refused by the platform's token
endpoint in its own words), an account another workspace publishes to, a server that is not
on the internet. Each refusal is a clear page or error and creates nothing."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import OAuthState, utcnow

from .oauth_world import Consent, oauth_fixture, query_of, sandbox_fixture, text_of  # noqa: F401 (fixtures)

SEEDED = {"facebook:page", "mastodon:toots", "instagram:shop"}
# What touches the states' SQL (binding, spending, expiry) runs on both databases; the rest,
# which only reads and refuses, on SQLite.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def new_accounts(oauth) -> list[str]:
    return [ref for ref in oauth.accounts() if ref not in SEEDED]


def callback_url(oauth, platform=Platform.X, **changes) -> tuple[object, str]:
    """A browser that began a connection and allowed it, and the callback it was sent to
    (not followed yet)."""
    browser = oauth.browser()
    consent = browser.open(oauth.start(platform))
    assert isinstance(consent, Consent)
    redirect = browser.decide(consent, follow=False, **changes)
    assert redirect.status_code == 303
    return browser, redirect.headers["location"]


def test_the_callback_in_another_browser_is_refused_and_the_right_one_still_connects(oauth):
    browser, callback = callback_url(oauth)
    assert callback.startswith(f"{oauth.api}/api/v1/oauth/callback?")

    other = oauth.browser().http.get(callback)

    assert other.status_code == 403
    assert "begun in another browser" in text_of(other)
    assert new_accounts(oauth) == []
    # The stranger's attempt spent nothing: the browser that began it finishes.
    mine = browser.http.get(callback)
    assert mine.status_code == 200 and "Connected x:" in text_of(mine)


def test_a_state_is_good_for_one_callback(oauth):
    browser, callback = callback_url(oauth)
    assert browser.http.get(callback).status_code == 200

    replay = browser.http.get(callback)

    assert replay.status_code == 409 and "finished already" in text_of(replay)
    assert len(new_accounts(oauth)) == 1


def test_a_connect_link_opens_once(oauth):
    connect_url = oauth.start(Platform.LINKEDIN)
    assert isinstance(oauth.browser().open(connect_url), Consent)

    second = oauth.browser().open(connect_url)

    assert second.status_code == 409 and "opened already" in text_of(second)


def _expire_all(oauth) -> None:
    past = utcnow() - timedelta(seconds=1)
    oauth.db.transaction(
        lambda s: s.execute(update(OAuthState).values(expires_at=past)), name="test expire"
    )


def test_an_expired_link_and_an_expired_state_are_refused(oauth):
    connect_url = oauth.start(Platform.YOUTUBE)
    _expire_all(oauth)
    link = oauth.browser().open(connect_url)
    assert link.status_code == 410 and "expired" in text_of(link)

    browser, callback = callback_url(oauth, Platform.YOUTUBE)
    _expire_all(oauth)
    late = browser.http.get(callback)

    assert late.status_code == 410
    assert "has expired: start a new one" in text_of(late)
    assert new_accounts(oauth) == []


@sqlite_only
@pytest.mark.parametrize("platform", [Platform.FACEBOOK, Platform.LINKEDIN, Platform.MASTODON])
def test_denied_consent_says_so_and_connects_nothing(oauth, platform):
    browser = oauth.browser()
    consent = browser.open(oauth.start(platform))

    page = browser.decide(consent, "deny")

    assert page.status_code == 400
    words = text_of(page)
    assert "was not allowed: nothing was connected" in words and "access_denied" in words
    assert new_accounts(oauth) == []


@sqlite_only
def test_an_account_another_workspace_publishes_to_is_refused(oauth):
    rival_page = "100002"  # conftest.seed: rival's facebook:page
    before = oauth.accounts("rival")["facebook:page"]

    page = oauth.browser().connect(oauth.start(Platform.FACEBOOK), account=rival_page)

    assert page.status_code == 409
    assert "connected in another workspace" in text_of(page)
    assert new_accounts(oauth) == []
    assert oauth.accounts("rival")["facebook:page"] == before
    assert oauth.audit("account.connect") == []


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# (authorize path, token path, the platform's refusal) for the platforms that take PKCE.
PKCE = {
    "youtube": (
        "/o/oauth2/v2/auth",
        "/token",
        {"error": "invalid_grant", "error_description": "Invalid code verifier."},
    ),
    "x": (
        "/x/i/oauth2/authorize",
        "/x/2/oauth2/token",
        {
            "error": "invalid_request",
            "error_description": "Value passed for the code verifier was invalid.",
        },
    ),
    "mastodon": ("/oauth/authorize", "/oauth/token", {"error": "invalid_grant"}),
}


@pytest.mark.parametrize("platform", sorted(PKCE))
def test_the_sandbox_token_endpoint_refuses_a_wrong_pkce_verifier(sandbox, platform):
    authorize_path, token_path, refusal = PKCE[platform]
    redirect_uri = "https://app.example/callback"
    client_id, client_secret = "pkce-test", "pkce-secret"
    with httpx.Client(base_url=sandbox.url, timeout=10) as http:
        if platform == "mastodon":  # an app registered on the instance first
            app = http.post(
                "/api/v1/apps", data={"client_name": "t", "redirect_uris": redirect_uri}
            ).json()
            client_id, client_secret = app["client_id"], app["client_secret"]
        verifier = secrets.token_urlsafe(48)
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": "s",
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
            "decision": "allow",
            "account": "1500000000000000042"
            if platform != "youtube"
            else "UCpkce00000000000000001",
        }

        def code() -> str:
            answer = http.post(authorize_path, data=params)
            assert answer.status_code == 303, answer.text
            return query_of(answer.headers["location"])["code"]

        form = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
        }
        wrong = http.post(token_path, data={**form, "code": code(), "code_verifier": "x" * 43})
        right = http.post(token_path, data={**form, "code": code(), "code_verifier": verifier})

    assert wrong.status_code in (400, 401)
    assert refusal.items() <= wrong.json().items()
    assert "access_token" not in wrong.json()
    assert right.status_code == 200 and right.json()["access_token"].startswith("sbx1.")


@sqlite_only
def test_a_server_named_by_the_user_must_be_on_the_internet(oauth):
    admin = oauth.admin()
    for server, code in [
        ("http://10.0.0.5", "server_refused"),
        ("https://169.254.169.254", "server_refused"),
        ("https://mastodon.example/path", "validation_failed"),
        ("ftp://mastodon.example", "validation_failed"),
    ]:
        answer = admin.post("/api/v1/oauth/mastodon/start", json={"server": server})
        assert answer.status_code == 422, (server, answer.text)
        assert answer.json()["error"]["code"] == code, server
    no_server = admin.post("/api/v1/oauth/facebook/start", json={"server": oauth.sandbox})
    assert no_server.status_code == 422


@sqlite_only
def test_only_an_admin_starts_a_connection_and_unknown_platforms_are_404(oauth):
    editor = oauth.admin(role="editor").post("/api/v1/oauth/x/start")
    assert editor.status_code == 403
    anonymous = httpx.post(f"{oauth.api}/api/v1/oauth/x/start")
    assert anonymous.status_code == 401
    assert oauth.admin().post("/api/v1/oauth/myspace/start").status_code == 404


@sqlite_only
def test_the_callback_without_a_known_state_or_cookie_is_a_clear_page(oauth):
    browser = oauth.browser()
    unknown = browser.http.get(f"{oauth.api}/api/v1/oauth/callback?state=forged&code=abc")
    assert unknown.status_code == 400 and "unknown" in text_of(unknown)
    assert "forged" not in unknown.text and "abc" not in text_of(unknown)
    bare = browser.http.get(f"{oauth.api}/api/v1/oauth/callback")
    assert bare.status_code == 400 and "without a state" in text_of(bare)


@sqlite_only
def test_no_token_code_or_secret_reaches_the_logs(oauth, caplog):
    caplog.set_level("DEBUG")
    browser, callback = callback_url(oauth, Platform.YOUTUBE)
    code = query_of(callback)["code"]
    assert browser.http.get(callback).status_code == 200

    # httpcore's DEBUG trace is the wire itself (the test browser's too), never on in service.
    logged = "\n".join(
        f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("httpcore")
    )
    assert "oauth/callback" in logged  # the requests were logged, without their queries
    assert "sbx1." not in logged and code not in logged
    assert "socialsched-sandbox-secret" not in logged
