"""Delivery to a real local HTTP receiver: body shape, signature, scrubbing, retries."""

import hashlib
import hmac
import socket
import time

from socialsched_dagster.alerts.signing import verify_signature
from socialsched_dagster.alerts.state import (
    RUN_FAILED,
    Alert,
    AlertCursor,
    CheckEvaluation,
    RunFailure,
)
from socialsched_dagster.alerts.webhook import WebhookConfig, send_alert

from .conftest import SECRET

TOKEN = "sbx1.abcdefghijkl.mnopqrstuvwx"
BEARER = "Bearer EAAGm0PX4ZCpsBAKZAZD3x9yQ1vF0nN0A"
BASE64_KEY = "q8Z0v3Xr9LmN2pQ7sT1uW4yB6cE8gH0jK3="


def failing_alert(description: str = "expired: acct_1") -> Alert:
    cursor = AlertCursor()
    ev = CheckEvaluation(("oauth_tokens",), "no_expired_tokens", False, time.time(), "ERROR",
                         description, (("expired_active_tokens", "1"),))  # fmt: skip
    alert = cursor.observe_check(ev)
    assert alert is not None
    return alert


def test_body_is_slack_json_signed_and_links_to_the_check(receiver):
    result = send_alert(receiver.config(), failing_alert())
    assert (result.delivered, result.attempts, result.status) == (True, 1, 200)
    (req,) = receiver.requests
    assert req.path == "/hooks/alerts"
    assert req.headers["content-type"] == "application/json"
    ts = req.headers["x-socialsched-timestamp"]
    assert abs(int(ts) - time.time()) < 60
    expected = hmac.new(SECRET.encode(), ts.encode() + b"." + req.body, hashlib.sha256)
    assert req.headers["x-socialsched-signature"] == "sha256=" + expected.hexdigest()
    assert verify_signature(SECRET, ts, req.body, req.headers["x-socialsched-signature"])
    assert not verify_signature(SECRET, str(int(ts) - 3600), req.body,
                                req.headers["x-socialsched-signature"])  # fmt: skip
    body = req.json
    assert isinstance(body["text"], str) and isinstance(body["blocks"], list)
    assert {b["type"] for b in body["blocks"]} >= {"header", "section"}
    assert req.header == "🔴 FAILING: no_expired_tokens on oauth_tokens"
    link = "http://dagster.test:3000/assets/oauth_tokens?view=checks&checkDetail=no_expired_tokens"
    assert link in body["text"]
    assert body["blocks"][-1]["elements"][0]["url"] == link
    section = body["blocks"][1]["text"]["text"]
    assert "expired: acct_1" in section and "Failing since" in section
    assert "expired_active_tokens=1" in section


def test_no_secret_or_token_reaches_the_body(receiver):
    description = (
        f"refresh failed with {TOKEN}; header Authorization: {BEARER}; "
        f"url https://graph.test/x?access_token=EAAB123secretvalue&x=1 key {BASE64_KEY} "
        f"signing with {SECRET} client_secret=abc123def"
    )
    assert send_alert(receiver.config(), failing_alert(description)).delivered
    raw = receiver.requests[0].body.decode()
    for secret in (TOKEN, "EAAGm0PX4ZCpsBAKZAZD3x9yQ1vF0nN0A", "EAAB123secretvalue",
                   BASE64_KEY, SECRET, "abc123def", "sbx1."):  # fmt: skip
        assert secret not in raw
    assert "refresh failed with" in raw  # scrubbed, not emptied


def test_a_run_failure_links_to_the_run(receiver):
    cursor = AlertCursor()
    run_id = "4f7c2a9e-1b3d-4c5e-8f90-123456789abc"
    alert = cursor.observe_run_failure(RunFailure(run_id, "publish_instagram", "boom", 1.0e9))
    assert alert.kind == RUN_FAILED
    assert (
        cursor.observe_run_failure(RunFailure(run_id, "publish_instagram", "boom", 1.0e9)) is None
    )
    assert send_alert(receiver.config(), alert).delivered
    body = receiver.requests[0].json
    assert f"http://dagster.test:3000/runs/{run_id}" in body["text"]
    assert body["blocks"][0]["text"]["text"].startswith("🔴 RUN FAILED: publish_instagram")


def test_503_twice_then_200_is_delivered_on_the_third_attempt(receiver):
    receiver.answer_next(503, 503)
    result = send_alert(receiver.config(), failing_alert())
    assert (result.delivered, result.attempts, result.status) == (True, 3, 200)
    assert len(receiver.requests) == 3
    ids = {r.headers["x-socialsched-alert-id"] for r in receiver.requests}
    assert len(ids) == 1  # the same alert each time, for receivers that deduplicate


def test_429_is_retried_and_a_400_is_not(receiver):
    receiver.answer_next(429)
    assert send_alert(receiver.config(), failing_alert()).attempts == 2
    receiver.requests.clear()
    receiver.answer_next(400)
    result = send_alert(receiver.config(), failing_alert())
    assert (result.delivered, result.attempts, result.status) == (False, 1, 400)
    assert result.permanent
    assert len(receiver.requests) == 1


def test_exhausted_retries_and_a_dead_receiver_return_instead_of_raising(receiver):
    receiver.answer_next(*[503] * 4)
    result = send_alert(receiver.config(), failing_alert())
    assert (result.delivered, result.attempts, result.status) == (False, 4, 503)
    assert not result.permanent
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = receiver.config(url=f"http://127.0.0.1:{port}/x", attempts=2)
    result = send_alert(config, failing_alert())
    assert (result.delivered, result.attempts, result.status) == (False, 2, None)
    assert result.error == "ConnectError"


def test_config_from_env_and_its_repr_hide_the_secrets():
    assert WebhookConfig.from_env({}) is None
    env = {
        "SOCIALSCHED_ALERT_WEBHOOK_URL": "https://user:pw@hooks.example.com/services/T0/B0/XYZ?k=v",
        "SOCIALSCHED_ALERT_WEBHOOK_SECRET": "s3cret-value",
        "SOCIALSCHED_UI_BASE_URL": "https://dagster.example.com",
    }
    config = WebhookConfig.from_env(env)
    assert config.ui_base_url == "https://dagster.example.com"
    text = repr(config) + str(config)
    for hidden in ("s3cret-value", "pw", "XYZ", "k=v", "user"):
        assert hidden not in text
    assert "hooks.example.com/services/***" in text
    env.pop("SOCIALSCHED_ALERT_WEBHOOK_SECRET")
    try:
        WebhookConfig.from_env(env)
    except ValueError as exc:
        assert "SOCIALSCHED_ALERT_WEBHOOK_SECRET" in str(exc)
    else:
        raise AssertionError("a webhook without a secret must be refused")
