"""A webhook must point at the public internet: without SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS
(production), loopback, private and link-local (cloud metadata) addresses, and hosts resolving to
them, are refused when the webhook is created, each with the reason, and nothing is stored."""

from __future__ import annotations

import pytest

from socialsched_dagster.settings import load_settings
from socialsched_dagster.webhooks.addresses import WebhookUrlError, check_webhook_url

REFUSED = [
    ("http://127.0.0.1:8080/hook", "not a public address (loopback)"),
    ("http://localhost/hook", "not a public address (loopback)"),
    ("http://2130706433/hook", "is 127.0.0.1"),  # the same, spelt as one number
    ("http://10.1.2.3/hook", "not a public address (private)"),
    ("http://169.254.169.254/latest/meta-data/", "not a public address (link-local)"),
    ("http://[::ffff:192.168.0.1]/hook", "not a public address (private)"),
    ("ftp://hooks.example.com/in", "must start with http:// or https://"),
    ("https://user:pw@hooks.example.com/in", "must not carry a user name or password"),
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_non_public_webhook_urls_are_refused_at_creation(api):
    admin = api.client("acme", "admin")
    for url, reason in REFUSED:
        answer = admin.post("/api/v1/webhooks", json={"url": url, "events": ["post.published"]})
        assert answer.status_code == 422, (url, answer.text)
        [detail] = answer.json()["error"]["details"]
        assert detail["field"] == "url" and reason in detail["reason"], (url, detail)
    assert admin.get("/api/v1/webhooks").json()["items"] == []
    # A public address is accepted without connecting to it (literal: no DNS in the test); a
    # host that does not resolve yet cannot be judged, and is checked at every connection.
    for url in ("https://93.184.215.14/in", "https://hooks.not-yet-live.invalid/in"):
        made = admin.post("/api/v1/webhooks", json={"url": url, "events": ["post.failed"]})
        assert made.status_code == 201, made.text


def test_the_private_networks_setting_is_read_from_the_environment_and_checked():
    env = {"SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS": "127.0.0.0/8, ::1/128"}
    networks = load_settings(env).webhook_private_networks
    assert [str(n) for n in networks] == ["127.0.0.0/8", "::1/128"]
    assert check_webhook_url(" http://127.0.0.1:9/hook ", networks) == "http://127.0.0.1:9/hook"
    with pytest.raises(WebhookUrlError, match="private"):
        check_webhook_url("http://10.0.0.1/hook", networks)
    assert load_settings({}).webhook_private_networks == ()
    with pytest.raises(ValueError, match="SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS: 'lan'"):
        load_settings({"SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS": "lan"})
