"""Faults on demand: the mutable config behind `/_sandbox/faults`.

A POST merges into the current config (top-level keys replace, `error_rates` merges per
endpoint, a null value removes a key); DELETE returns to the baseline the server started with.
Endpoint names are validated so that a typo in a drill fails loudly instead of injecting nothing.

An error rate answers the platform's own transient error by default; on Graph endpoints it can
name the envelope instead (`"envelope": {"code": 1, "transient": false}`), or `"envelope": false`
for a bare 5xx with no Graph body, as a proxy in front of Graph sends. `drop_after_commit` with
`"published_only": true` drops only answers to requests that made a post public, whichever
endpoint that was (the drill "the publishing call's answer is lost", whatever the protocol).
"""

from __future__ import annotations

import copy
import random
from typing import Any

from .clock import Clock

# Endpoints no one platform owns; each platform's own are in its spec (`sandbox_endpoints`).
_CORE_ENDPOINTS = frozenset(
    {
        "graph_node",  # GET /me, GET /{account-id}, unsupported Graph paths
        "token_ig",
        "token_fb",
        "token_google",
    }
)


def _endpoints() -> frozenset[str]:
    from ..platforms.registry import specs

    return _CORE_ENDPOINTS | {e for s in specs() for e in s.sandbox_endpoints}


ENDPOINTS = _endpoints()

DEFAULTS: dict[str, Any] = {
    "latency_ms": 0.0,
    "latency_jitter_ms": 0.0,
    "error_rates": {},
    "storm_429": None,
    "drop_after_commit": None,
    "malformed": None,
    # The handler commits, then the answer is a 5xx with the platform's own error body.
    "error_after_commit": None,
    "video_processing_seconds": 2.0,
    "drop_hold_seconds": None,  # None: the setting's value
    "down": False,
}


def _endpoints(value: Any) -> str | frozenset[str]:
    if value in (None, "*"):
        return "*"
    names = frozenset([value] if isinstance(value, str) else value)
    unknown = sorted(names - ENDPOINTS)
    if unknown:
        raise ValueError(f"unknown endpoint name(s): {', '.join(unknown)}")
    return names


def _matches(endpoints: str | frozenset[str], endpoint: str) -> bool:
    return endpoints == "*" or endpoint in endpoints


# Endpoints answering with Graph's error envelope (Threads is a Graph API on its own host).
GRAPH_PREFIXES = ("ig_", "fb_", "graph_", "token_ig", "token_fb", "threads_")
ENVELOPE_KEYS = frozenset({"code", "subcode", "transient", "message", "type"})


def _envelope(endpoint: str, value: Any) -> dict[str, Any] | bool:
    """False: a bare body; a dict: the Graph error envelope's fields."""
    if value is False:
        return False
    if not isinstance(value, dict) or "code" not in value:
        raise ValueError("envelope must be false or an object with at least a code")
    if endpoint != "*" and not endpoint.startswith(GRAPH_PREFIXES):
        raise ValueError(f"a Graph error envelope makes no sense on {endpoint}")
    unknown = sorted(set(value) - ENVELOPE_KEYS)
    if unknown:
        raise ValueError(f"unknown envelope field(s): {', '.join(unknown)}")
    return {**value, "code": int(value["code"])}


def made_public(ledger: Any, mark: int, endpoint: str, target: str | None) -> bool:
    """Whether this request (its endpoint and target header) added a ledger entry after `mark`:
    other requests may commit while it awaits, so the ledger's length alone would not say."""
    return any(
        e["endpoint"] == endpoint and e.get("target") == target for e in ledger.entries[mark:]
    )


class Faults:
    def __init__(self, clock: Clock, baseline: dict[str, Any] | None = None) -> None:
        self.clock = clock
        self.config: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self.merge(baseline or {})
        self.baseline = copy.deepcopy(self.config)

    def reset(self) -> None:
        self.config = copy.deepcopy(self.baseline)

    def merge(self, patch: dict[str, Any]) -> None:
        unknown = sorted(set(patch) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(unknown)}")
        new = copy.deepcopy(self.config)
        for key, value in patch.items():
            if value is None:
                new[key] = copy.deepcopy(DEFAULTS[key])
            elif key == "error_rates":
                new[key] = {**new[key], **self._error_rates(value)}
                new[key] = {k: v for k, v in new[key].items() if v is not None}
            elif key == "storm_429":
                new[key] = {
                    "seconds": float(value.get("seconds", 60)),
                    "retry_after": int(value.get("retry_after", 5)),
                    "endpoints": _endpoints(value.get("endpoints")),
                    "until": self.clock.now() + float(value.get("seconds", 60)),
                }
            elif key in ("drop_after_commit", "malformed", "error_after_commit"):
                count, rate = value.get("count"), value.get("rate")
                if count is None and rate is None:
                    count = 1
                new[key] = {
                    "endpoints": _endpoints(value.get("endpoints")),
                    "count": None if count is None else int(count),
                    "rate": None if rate is None else float(rate),
                }
                if key == "error_after_commit":
                    new[key]["status"] = int(value.get("status", 503))
                if key == "drop_after_commit" and value.get("published_only"):
                    new[key]["published_only"] = True
            elif key == "down":
                new[key] = bool(value)
            else:
                new[key] = float(value)
        self.config = new

    @staticmethod
    def _error_rates(value: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in value.items():
            if name != "*":
                _endpoints([name])
            if spec is None:
                out[name] = None
                continue
            if isinstance(spec, (int, float)):
                spec = {"rate": spec}
            out[name] = {
                "rate": float(spec.get("rate", 1.0)),
                "status": int(spec.get("status", 500)),
            }
            if "envelope" in spec:
                out[name]["envelope"] = _envelope(name, spec["envelope"])
        return out

    def snapshot(self) -> dict[str, Any]:
        out = copy.deepcopy(self.config)
        for key in ("storm_429", "drop_after_commit", "malformed", "error_after_commit"):
            if out[key] and isinstance(out[key]["endpoints"], frozenset):
                out[key]["endpoints"] = sorted(out[key]["endpoints"])
        if out["storm_429"]:
            out["storm_429"]["remaining_seconds"] = max(
                0.0, out["storm_429"].pop("until") - self.clock.now()
            )
        return out

    # -- questions asked on every platform request ------------------------------------------

    def latency_seconds(self) -> float:
        c = self.config
        ms = c["latency_ms"] + (
            random.uniform(0, c["latency_jitter_ms"]) if c["latency_jitter_ms"] else 0
        )
        return ms / 1000.0

    @property
    def down(self) -> bool:
        return self.config["down"]

    @property
    def video_processing_seconds(self) -> float:
        return self.config["video_processing_seconds"]

    def storm_retry_after(self, endpoint: str) -> int | None:
        storm = self.config["storm_429"]
        if storm and self.clock.now() < storm["until"] and _matches(storm["endpoints"], endpoint):
            return storm["retry_after"]
        return None

    def error_status(self, endpoint: str) -> int | None:
        rates = self.config["error_rates"]
        spec = rates.get(endpoint) or rates.get("*")
        if spec and random.random() < spec["rate"]:
            return spec["status"]
        return None

    def error_envelope(self, endpoint: str) -> dict[str, Any] | bool | None:
        """The envelope an injected error on `endpoint` answers with (None: the default)."""
        rates = self.config["error_rates"]
        spec = rates.get(endpoint) or rates.get("*") or {}
        return spec.get("envelope")

    def take(self, kind: str, endpoint: str, published: bool = False) -> bool:
        """Consume one `drop_after_commit` / `malformed` / `error_after_commit` occurrence if
        it applies to endpoint."""
        spec = self.config[kind]
        if not spec or not _matches(spec["endpoints"], endpoint):
            return False
        if spec.get("published_only") and not published:
            return False  # `published`: the request made a post public (made_public below)
        if spec["count"] is not None:
            if spec["count"] <= 0:
                return False
            spec["count"] -= 1
            return True
        return random.random() < spec["rate"]
