"""The sandbox's alert inbox: the demo's alert channel takes our signed alerts and nothing else,
and stays reachable while the platforms are down."""

import time

import httpx

from socialsched_dagster.alerts.state import AlertCursor, CheckEvaluation
from socialsched_dagster.alerts.webhook import WebhookConfig, send_alert
from socialsched_dagster.sandbox.process import SandboxProcess

SECRET = "inbox-test-secret"


def _alert():
    ev = CheckEvaluation(("facebook_posts",), "breaker_closed", False, time.time(), "ERROR",
                         "breaker open", (("breaker_open", "2"),))  # fmt: skip
    return AlertCursor().observe_check(ev)


def test_signed_alerts_arrive_once_during_an_outage_and_forgeries_are_refused():
    with SandboxProcess(settings={"alert_webhook_secret": SECRET}) as sandbox:
        sandbox.control.set_faults(down=True)
        config = WebhookConfig(url=f"{sandbox.base_url}/_sandbox/alerts", secret=SECRET)
        alert = _alert()
        assert send_alert(config, alert).delivered
        assert send_alert(config, alert).delivered  # a resend of the same alert
        forged = WebhookConfig(url=config.url, secret="not-the-secret", attempts=1)
        assert send_alert(forged, _alert()).status == 401
        (received,) = sandbox.control.alerts()
        assert "breaker_closed" in str(received["body"])
        assert sandbox.control.settings()["alert_webhook_secret"] == "***"
        # The platforms themselves are down meanwhile.
        assert httpx.post(f"{sandbox.base_url}/v21.0/me/feed").status_code >= 500
