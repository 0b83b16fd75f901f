"""Delivering an alert to a webhook: signed (see `signing`), retried, and never raising.

Network errors, 5xx and 429 are retried with exponential backoff and jitter; any other answer that
is not 2xx (a 4xx, a redirect) means sending this alert again cannot help.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from .message import build_body
from .signing import alert_id, signed_headers
from .state import Alert

log = logging.getLogger(__name__)

URL_ENV = "SOCIALSCHED_ALERT_WEBHOOK_URL"
SECRET_ENV = "SOCIALSCHED_ALERT_WEBHOOK_SECRET"
UI_ENV = "SOCIALSCHED_UI_BASE_URL"
ATTEMPTS_ENV = "SOCIALSCHED_ALERT_WEBHOOK_ATTEMPTS"
TIMEOUT_ENV = "SOCIALSCHED_ALERT_WEBHOOK_TIMEOUT_S"


def mask_url(url: str) -> str:
    # Credentials and the query often are the secret (Slack puts it in the path, so only the
    # first path segment is kept).
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    first = parts.path.strip("/").split("/")[0]
    rest = "/***" if parts.path.strip("/") != first or parts.query else ""
    return f"{parts.scheme}://{host}/{first}{rest}" if first else f"{parts.scheme}://{host}{rest}"


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    timeout_s: float = 5.0
    attempts: int = 4
    ui_base_url: str = "http://127.0.0.1:3000"
    backoff_s: float = 0.5  # first wait; doubles per attempt, plus up to as much again of jitter
    backoff_max_s: float = 8.0

    def __repr__(self) -> str:
        return (
            f"WebhookConfig(url={mask_url(self.url)!r}, secret='***', timeout_s={self.timeout_s},"
            f" attempts={self.attempts}, ui_base_url={self.ui_base_url!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WebhookConfig | None:
        """None when no webhook URL is set; ValueError when it is set without a secret (or a knob
        is not a number)."""
        env = os.environ if env is None else env
        url = env.get(URL_ENV, "").strip()
        if not url:
            return None
        secret = env.get(SECRET_ENV, "")
        if not secret:
            # Unsigned alerts would be forgeable by anyone who learns the URL.
            raise ValueError(f"{URL_ENV} is set but {SECRET_ENV} is empty")
        ui = env.get(UI_ENV, "").strip() or cls.ui_base_url
        # Optional knobs: a sensor tick spends at most about attempts x timeout on one alert.
        try:
            attempts = max(1, int(env.get(ATTEMPTS_ENV) or cls.attempts))
            timeout_s = float(env.get(TIMEOUT_ENV) or cls.timeout_s)
        except ValueError:
            raise ValueError(f"{ATTEMPTS_ENV} and {TIMEOUT_ENV} must be numbers") from None
        return cls(url=url, secret=secret, ui_base_url=ui, attempts=attempts, timeout_s=timeout_s)


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    attempts: int
    status: int | None  # the last HTTP status, None when no answer was received
    error: str | None = None
    permanent: bool = False  # the receiver refused this alert (4xx): resending cannot help


class _Retryable(Exception):
    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after = status, retry_after


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None  # absent, or an HTTP date: the exponential backoff decides


def _waiter(config: WebhookConfig):
    # Exponential plus random jitter, built from parts that mean the same in every tenacity >= 8.2
    # (`wait_exponential_jitter` renamed its first argument in 9.x).
    backoff = wait_exponential(multiplier=config.backoff_s, max=config.backoff_max_s) + wait_random(
        0, config.backoff_s
    )

    def wait(state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None)
        # A 429's Retry-After is honoured, but capped: a tick must not sleep for minutes.
        return max(backoff(state), min(hint, config.backoff_max_s)) if hint else backoff(state)

    return wait


def send_alert(
    config: WebhookConfig, alert: Alert, http: httpx.Client | None = None
) -> DeliveryResult:
    body = build_body(alert, config.ui_base_url, secrets=(config.secret, config.url))
    ident, attempts, status = alert_id(alert), 0, None
    client = http or httpx.Client(timeout=config.timeout_s)
    try:
        retrying = Retrying(
            stop=stop_after_attempt(config.attempts),
            wait=_waiter(config),
            retry=retry_if_exception_type((_Retryable, httpx.TransportError)),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                attempts, status = attempts + 1, None
                headers = signed_headers(config.secret, body, ident)
                response = client.post(
                    config.url, content=body, headers=headers, timeout=config.timeout_s
                )
                status = response.status_code
                if status >= 500 or status == 429:
                    raise _Retryable(status, _retry_after(response))
        if 200 <= status < 300:
            return DeliveryResult(True, attempts, status)
        result = DeliveryResult(False, attempts, status, f"HTTP {status}", permanent=True)
    except _Retryable as exc:
        result = DeliveryResult(False, attempts, exc.status, str(exc))
    except Exception as exc:  # a delivery failure must never fail the caller (the sensor)
        # The exception text can embed the URL, whose path or query may be the secret.
        result = DeliveryResult(False, attempts, status, type(exc).__name__)
    finally:
        if http is None:
            client.close()
    log.warning(
        "alert %s (%s %s) not delivered to %s after %d attempt(s): %s",
        ident, alert.kind, alert.subject, mask_url(config.url), result.attempts, result.error,
    )  # fmt: skip
    return result


def send_alerts(
    config: WebhookConfig, alerts: list[Alert]
) -> tuple[list[DeliveryResult], list[Alert]]:
    """Send in order over one connection; returns the results and the alerts to try again later.

    After a failure that might pass (receiver down, 5xx), the rest wait for the next tick rather
    than each spending the full retry budget now. An alert refused with a 4xx is dropped.
    """
    results: list[DeliveryResult] = []
    with httpx.Client(timeout=config.timeout_s) as client:
        for i, alert in enumerate(alerts):
            result = send_alert(config, alert, client)
            results.append(result)
            if not result.delivered and not result.permanent:
                return results, alerts[i:]
    return results, []
