"""Faults on demand: the mutable config behind `/_sandbox/faults`.

A POST merges into the current config (top-level keys replace, `error_rates` merges per
endpoint, a null value removes a key); DELETE returns to the baseline the server started with.
Endpoint names are validated so that a typo in a drill fails loudly instead of injecting nothing.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from .clock import Clock

ENDPOINTS = frozenset(
    {
        "ig_create_container",
        "ig_container_status",
        "ig_publish",
        "ig_publishing_limit",
        "ig_media_list",
        "fb_feed",
        "fb_photos",
        "fb_videos",
        "fb_feed_list",
        "graph_node",  # GET /me, GET /{account-id}, unsupported Graph paths
        "yt_session",
        "yt_upload",
        "yt_videos_list",
        "token_ig",
        "token_fb",
        "token_google",
    }
)

DEFAULTS: dict[str, Any] = {
    "latency_ms": 0.0,
    "latency_jitter_ms": 0.0,
    "error_rates": {},
    "storm_429": None,
    "drop_after_commit": None,
    "malformed": None,
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
            elif key in ("drop_after_commit", "malformed"):
                count, rate = value.get("count"), value.get("rate")
                if count is None and rate is None:
                    count = 1
                new[key] = {
                    "endpoints": _endpoints(value.get("endpoints")),
                    "count": None if count is None else int(count),
                    "rate": None if rate is None else float(rate),
                }
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
        return out

    def snapshot(self) -> dict[str, Any]:
        out = copy.deepcopy(self.config)
        for key in ("storm_429", "drop_after_commit", "malformed"):
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

    def take(self, kind: str, endpoint: str) -> bool:
        """Consume one `drop_after_commit` / `malformed` occurrence if it applies to endpoint."""
        spec = self.config[kind]
        if not spec or not _matches(spec["endpoints"], endpoint):
            return False
        if spec["count"] is not None:
            if spec["count"] <= 0:
                return False
            spec["count"] -= 1
            return True
        return random.random() < spec["rate"]
