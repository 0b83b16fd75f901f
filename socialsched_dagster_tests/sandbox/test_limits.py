"""appsecret_proof, Graph usage headers and throttling."""

from __future__ import annotations

import json

import httpx
import pytest

from socialsched_dagster.sandbox.process import SandboxProcess
from socialsched_dagster.sandbox.tokens import appsecret_proof

from .helpers import APP_SECRET, IG, PAGE, error, token


def usage(response) -> tuple[int, int]:
    app = json.loads(response.headers["x-app-usage"])["call_count"]
    [buc] = next(iter(json.loads(response.headers["x-business-use-case-usage"]).values()))
    return app, buc["call_count"]


def test_appsecret_proof_checked_when_sent(strict, strict_http):
    tok = token(strict)
    url = f"/v21.0/{IG}/content_publishing_limit"
    proof = appsecret_proof(APP_SECRET, tok)
    assert strict_http.get(url, params={"access_token": tok, "appsecret_proof": proof}).is_success
    assert strict_http.get(url, params={"access_token": tok}).is_success  # not required here
    r = strict_http.get(url, params={"access_token": tok, "appsecret_proof": "0" * 64})
    assert r.status_code == 400 and error(r)[0] == 100
    assert r.json()["error"]["message"] == "Invalid appsecret_proof provided in the API argument"


def test_appsecret_proof_required():
    settings = {"meta_app_secret": APP_SECRET, "require_appsecret_proof": True}
    with SandboxProcess(settings=settings) as sb:
        tok = sb.control.mint_token("instagram", IG)["access_token"]
        url = f"{sb.base_url}/v21.0/{IG}/content_publishing_limit"
        missing = httpx.get(url, params={"access_token": tok})
        assert missing.status_code == 400 and error(missing)[0] == 100
        proof = appsecret_proof(APP_SECRET, tok)
        form = {"access_token": tok, "appsecret_proof": proof}  # in a POST body works too
        ok = httpx.post(f"{sb.base_url}/v21.0/{IG}/media", data={**form, "image_url": "http://a/b"})
        assert ok.status_code == 200, ok.text


def test_usage_headers_rise_then_account_throttle(strict, strict_http):
    tok = token(strict)
    seen = []
    for _ in range(10):
        r = strict_http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok})
        assert r.status_code == 200
        seen.append(usage(r)[1])
    assert seen == list(range(10, 101, 10))
    r = strict_http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok})
    assert r.status_code == 400 and error(r)[0] == 80002
    [buc] = json.loads(r.headers["x-business-use-case-usage"])[IG]
    assert buc["call_count"] == 100 and buc["estimated_time_to_regain_access"] >= 59
    stats = strict.control.stats()
    assert stats["rate_limit_violations"] == 1 and stats["throttled"]["ig_publishing_limit"] == 1


@pytest.mark.parametrize("account", ["p1", "p2"])
def test_page_throttle_code_32(strict, strict_http, account):
    tok = token(strict, "facebook", account)
    for _ in range(10):
        strict_http.get(f"/v21.0/{account}/feed", params={"access_token": tok})
    r = strict_http.get(f"/v21.0/{account}/feed", params={"access_token": tok})
    assert error(r)[0] == 32


def test_app_budget_throttle_code_4(strict, strict_http):
    def call(account):
        tok = token(strict, "facebook", account)
        return strict_http.get(f"/v21.0/{account}/feed", params={"access_token": tok})

    for account, n in ((PAGE, 10), ("p2", 10), ("p3", 5)):
        for _ in range(n):
            assert call(account).status_code == 200
    r = call("p3")
    assert error(r)[0] == 4 and usage(r)[0] == 100
