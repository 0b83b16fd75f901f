"""Every knob of the sandbox server in one dataclass.

The platforms change their limits from one document to the next (PLATFORM_APIS.md), so every
number the sandbox enforces is a field here with a realistic default, loadable from a JSON file.
Faults (latency, error rates, ...) are a separate, mutable config: `faults` here is only the
baseline the server starts with and returns to on `DELETE /_sandbox/faults` or a reset.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEV_SECRET = "socialsched-sandbox-development-secret"  # fixed so tokens survive restarts
SIXTY_DAYS = 60 * 86400


@dataclass
class SandboxSettings:
    # Token signing; tokens are self-describing, so only this secret must survive a restart.
    secret: str = DEV_SECRET
    # Optional journal (JSON lines): ledger, containers, upload sessions, revocations.
    state_file: str | None = None

    # Meta app credentials: when set, appsecret_proof and fb_exchange_token are checked.
    meta_app_id: str | None = None
    meta_app_secret: str | None = None
    require_appsecret_proof: bool = False
    # Google OAuth client: when set, the token endpoint checks client_id/client_secret.
    google_client_id: str | None = None
    google_client_secret: str | None = None

    # Token lifetimes (seconds).
    meta_token_seconds: int = SIXTY_DAYS
    google_access_token_seconds: int = 3599
    ig_refresh_min_age_seconds: int = 86400

    # Instagram content publishing.
    ig_quota_total: int = 50
    ig_quota_duration: int = 86400
    container_ttl_seconds: int = 86400
    caption_max_chars: int = 2200
    caption_max_hashtags: int = 30
    caption_max_mentions: int = 20

    # Graph rate limits: calls per rolling window. `graph_app_calls_per_window` None means the
    # real rule: the account budget times the number of accounts active in the window.
    graph_account_calls_per_window: int = 200
    graph_app_calls_per_window: int | None = None
    graph_window_seconds: int = 3600

    # YouTube quota (units per Pacific day) and chunking rule.
    yt_quota_units_per_day: int = 10_000
    yt_upload_cost: int = 1600
    yt_list_cost: int = 1
    yt_chunk_multiple: int = 256 * 1024
    # A resumable upload session lives about a week, then answers 404 (completed or not).
    yt_session_ttl_seconds: int = 7 * 86400

    # What a lost response does after its hold: "abort" closes the connection, "502" answers.
    drop_hold_seconds: float = 30.0
    drop_mode: str = "abort"

    faults: dict[str, Any] = field(default_factory=dict)

    # The alert inbox (`/_sandbox/alerts`) refuses requests not signed with this secret.
    alert_webhook_secret: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown sandbox setting(s): {', '.join(unknown)}")
        settings = cls(**data)
        settings.validate()
        return settings

    @classmethod
    def from_json_file(cls, path: str | Path) -> SandboxSettings:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> SandboxSettings:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        if self.drop_mode not in ("abort", "502"):
            raise ValueError("drop_mode must be 'abort' or '502'")
        if self.yt_chunk_multiple <= 0 or self.graph_window_seconds <= 0:
            raise ValueError("yt_chunk_multiple and graph_window_seconds must be positive")
