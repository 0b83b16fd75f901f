"""Token validation, revocation and the three refresh endpoints."""

from __future__ import annotations

from .helpers import APP_ID, APP_SECRET, CHANNEL, IG, PAGE, error, token

DAY = 86400


def limit(http, tok, account=IG):
    return http.get(f"/v21.0/{account}/content_publishing_limit", params={"access_token": tok})


def test_invalid_expired_revoked_and_wrong_account(sb, http):
    assert error(limit(http, "not-a-token")) == (190, 467)
    good = token(sb)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert error(limit(http, forged)) == (190, 467)
    expired = token(sb, expires_in=60, issued_ago=120)
    r = limit(http, expired)
    assert error(r) == (190, 463) and "Session has expired" in r.json()["error"]["message"]
    assert error(limit(http, token(sb, account="someone-else"))) == (10, None)
    assert http.get(f"/v21.0/{IG}/content_publishing_limit").json()["error"]["code"] == 104
    assert limit(http, good).status_code == 200
    sb.control.revoke(IG, "instagram")
    assert error(limit(http, good)) == (190, 460)
    assert limit(http, token(sb)).status_code == 200  # a token minted after the revocation


def test_tokens_may_come_in_the_authorization_header(sb, http):
    r = http.get(
        f"/v21.0/{IG}/content_publishing_limit", headers={"Authorization": f"Bearer {token(sb)}"}
    )
    assert r.status_code == 200


def test_facebook_login_token_works_for_instagram_endpoints(sb, http):
    assert limit(http, token(sb, "facebook", IG)).status_code == 200


def test_instagram_refresh(sb, http):
    old = token(sb, issued_ago=2 * DAY)
    r = http.get(
        "/refresh_access_token", params={"grant_type": "ig_refresh_token", "access_token": old}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 60 * DAY
    assert limit(http, body["access_token"]).status_code == 200
    young = http.get(
        "/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token(sb)},
    )
    assert young.status_code == 400 and error(young)[0] == 100
    dead = token(sb, expires_in=DAY, issued_ago=2 * DAY)
    gone = http.get(
        "/refresh_access_token", params={"grant_type": "ig_refresh_token", "access_token": dead}
    )
    assert error(gone) == (190, 463)


def test_facebook_exchange_checks_app_credentials(strict, strict_http):
    tok = token(strict, "facebook", PAGE)
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "fb_exchange_token": tok,
    }
    r = strict_http.get("/v21.0/oauth/access_token", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["access_token"].startswith("sbx1.") and r.json()["expires_in"] == 60 * DAY
    wrong = strict_http.get("/v21.0/oauth/access_token", params={**params, "client_secret": "x"})
    assert error(wrong)[0] == 101
    strict.control.revoke(PAGE, "facebook")
    assert error(strict_http.get("/v21.0/oauth/access_token", params=params)) == (190, 460)


def test_google_refresh_grant(strict, strict_http):
    minted = strict.control.mint_token("youtube", CHANNEL)
    form = {
        "client_id": "gid",
        "client_secret": "gsecret",
        "refresh_token": minted["refresh_token"],
        "grant_type": "refresh_token",
    }
    r = strict_http.post("/token", data=form)
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == 3599 and r.json()["token_type"] == "Bearer"
    assert strict_http.post("/token", data={**form, "client_secret": "no"}).status_code == 401
    bogus = strict_http.post("/token", data={**form, "refresh_token": "garbage"})
    assert bogus.status_code == 400 and bogus.json()["error"] == "invalid_grant"
    strict.control.revoke(CHANNEL, "youtube")
    revoked = strict_http.post("/token", data=form)
    assert revoked.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
