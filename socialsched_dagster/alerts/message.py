"""An alert as a Slack-compatible webhook body, with anything secret-looking scrubbed out.

Descriptions and run errors are free text written by checks and by exceptions, so they can quote
a token or a request URL; the body leaves this process for a third party, so every free-text
field is scrubbed before it is placed (scrubbed, then truncated, so a cut never leaves half a
secret visible).
"""

from __future__ import annotations

import json
import re

from ..platforms.http import redact
from .digest import DIGEST
from .state import FAILING, RECOVERED, RUN_FAILED, Alert, iso

# Beyond `redact` (named token parameters, bearer headers, Meta/Google/sandbox token shapes):
_NAMED_SECRET = re.compile(
    r"(?i)\b(\w*(?:secret|password|passwd|api[_-]?key|signature))(\s*[=:]\s*)[^\s,;&\"']+"
)
_LONG_RUN = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")

# Slack's limits: a header is plain text of at most 150 characters, a section at most 3000.
HEADER_MAX, SECTION_MAX = 150, 2900


def _long_secret(match: re.Match) -> str:
    word = match.group(0)
    if _UUID.fullmatch(word):
        return word  # run ids are UUIDs and must stay readable
    mixed = (
        any(c.isupper() for c in word)
        and any(c.islower() for c in word)
        and any(c.isdigit() for c in word)
    )
    # Base64 keys mix cases and digits, hex keys are long hex; a long snake_case name is neither.
    return "***" if mixed or _HEX.fullmatch(word.rstrip("=")) else word


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = redact(text, secrets)
    text = _NAMED_SECRET.sub(r"\1\2***", text)
    return _LONG_RUN.sub(_long_secret, text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> str:
    # Slack reads <...> as links and mentions; a description must never become one.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def headline(alert: Alert) -> str:
    if alert.kind == RUN_FAILED:
        return f"🔴 RUN FAILED: {alert.subject} (run {alert.target[:8]})"
    if alert.kind == DIGEST:
        return alert.subject
    if alert.kind == RECOVERED:
        return f"✅ RECOVERED: {alert.subject} on {alert.target}"
    if alert.kind == FAILING:
        icon = "🟠" if alert.severity == "WARN" else "🔴"
        return f"{icon} FAILING: {alert.subject} on {alert.target}"
    raise ValueError(f"unknown alert kind {alert.kind!r}")


def link(alert: Alert, ui_base_url: str) -> str:
    return ui_base_url.rstrip("/") + alert.ui_path


def build_body(alert: Alert, ui_base_url: str, secrets: tuple[str, ...] = ()) -> bytes:
    """The exact bytes to POST (and to sign)."""
    head = _cut(scrub(headline(alert), secrets), HEADER_MAX)
    what = _cut(scrub(alert.description, secrets), SECTION_MAX)
    url = link(alert, ui_base_url)
    label = {RUN_FAILED: "Open the run in Dagster", DIGEST: "Open the checks in Dagster"}.get(
        alert.kind, "Open the check in Dagster"
    )
    facts = [f"*When:* {iso(alert.timestamp)}"]
    if alert.severity:
        facts.insert(0, f"*Severity:* {alert.severity}")
    body = {
        # `text` is what notifications and clients without blocks show.
        "text": f"{head}\n{_mrkdwn(what)}\n<{url}|{label}>",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": head, "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(what)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": label},
                        "url": url,
                    }
                ],
            },
        ],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
