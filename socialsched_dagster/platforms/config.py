"""Where the platforms live and how patiently we talk to them.

Every base URL is configuration so that tests, the demo and the benchmark point the same clients
at the sandbox server (`PlatformConfig.for_sandbox`) instead of the real hosts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..security.public_urls import MediaPolicy
from .graph_versions import DEFAULT_GRAPH_VERSION, valid_shape

CHUNK_MULTIPLE = 256 * 1024  # YouTube: every chunk but the last is a multiple of this
_SECRETS = ("meta_app_secret", "google_client_secret")


@dataclass(frozen=True, repr=False)
class PlatformConfig:
    graph_base_url: str = "https://graph.facebook.com"
    # Page video uploads: Meta's Video API deprecated graph-video.facebook.com for the main host.
    graph_video_base_url: str = "https://graph.facebook.com"
    # SOCIALSCHED_GRAPH_API_VERSION; the `graph_api_version` check warns before Meta retires it.
    graph_version: str = DEFAULT_GRAPH_VERSION
    instagram_base_url: str = "https://graph.instagram.com"  # Instagram Login token refresh
    youtube_upload_base_url: str = "https://www.googleapis.com"
    youtube_api_base_url: str = "https://www.googleapis.com"
    google_token_url: str = "https://oauth2.googleapis.com/token"

    # With an app secret every Graph call carries appsecret_proof.
    meta_app_id: str | None = None
    meta_app_secret: str | None = None
    google_client_id: str | None = None
    google_client_secret: str | None = None

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    write_timeout_s: float = 30.0
    pool_timeout_s: float = 5.0
    max_connections: int = 20

    container_poll_interval_s: float = 1.0
    container_poll_timeout_s: float = 120.0
    # Reconciliation by content only looks this far back (facebook.py, instagram.py).
    reconcile_lookback_s: float = 48 * 3600.0

    youtube_chunk_size: int = 8 * 1024 * 1024
    # Base URLs of platforms whose spec declares one (default_base_url), by platform name:
    # SOCIALSCHED_<PLATFORM>_BASE_URL, or the sandbox's origin + the spec's sandbox_prefix.
    base_urls: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    # Generate deterministic video bytes instead of downloading the media URL (sandbox, demo).
    synthetic_video_bytes: bool = False
    synthetic_video_size: int = 1536 * 1024
    # Which media hosts are stand-ins and which private networks a media fetch may reach
    # (SOCIALSCHED_MEDIA_*; security/public_urls.py). Empty: public addresses only.
    media_policy: MediaPolicy = dataclasses.field(default_factory=MediaPolicy)

    def __post_init__(self) -> None:
        if self.youtube_chunk_size <= 0 or self.youtube_chunk_size % CHUNK_MULTIPLE:
            raise ValueError(
                f"youtube_chunk_size must be a positive multiple of {CHUNK_MULTIPLE} bytes"
            )
        if self.synthetic_video_size <= 0:
            raise ValueError("synthetic_video_size must be positive")
        if self.container_poll_interval_s <= 0 or self.container_poll_timeout_s < 0:
            raise ValueError("container polling interval must be positive, timeout >= 0")
        if not valid_shape(self.graph_version):
            raise ValueError(f"graph_version must look like v27.0, got {self.graph_version!r}")

    def base_url(self, platform: Any, default: str) -> str:
        """The configured base URL of `platform` (a Platform), else `default` (its spec's)."""
        return self.base_urls.get(getattr(platform, "value", platform), default).rstrip("/")

    @property
    def graph_url(self) -> str:
        return f"{self.graph_base_url.rstrip('/')}/{self.graph_version}"

    def replace(self, **changes: Any) -> PlatformConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> PlatformConfig:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}

        def take(name: str, *fields: str) -> None:
            value = env.get(name)
            if value:
                values.update(dict.fromkeys(fields, value))

        take("SOCIALSCHED_GRAPH_BASE_URL", "graph_base_url", "graph_video_base_url")
        take("SOCIALSCHED_GRAPH_API_VERSION", "graph_version")
        take("SOCIALSCHED_INSTAGRAM_BASE_URL", "instagram_base_url")
        take("SOCIALSCHED_YOUTUBE_BASE_URL", "youtube_upload_base_url", "youtube_api_base_url")
        take("SOCIALSCHED_GOOGLE_TOKEN_URL", "google_token_url")
        take("SOCIALSCHED_META_APP_ID", "meta_app_id")
        take("SOCIALSCHED_META_APP_SECRET", "meta_app_secret")
        take("SOCIALSCHED_GOOGLE_CLIENT_ID", "google_client_id")
        take("SOCIALSCHED_GOOGLE_CLIENT_SECRET", "google_client_secret")
        base_urls = {}
        for spec in _specs_with_own_host():
            value = env.get(f"SOCIALSCHED_{spec.platform.name}_BASE_URL")
            if value:
                base_urls[spec.platform.value] = value
        if base_urls:
            values["base_urls"] = base_urls
        values["media_policy"] = MediaPolicy.from_env(env)
        return cls(**{**values, **overrides})

    @classmethod
    def for_sandbox(cls, base_url: str, **overrides: Any) -> PlatformConfig:
        """Every platform on one sandbox origin, at the paths the sandbox serves them.

        The sandbox downloads no media, so video bytes are synthetic unless overridden. The
        media policy is not the sandbox's to decide: the default (public hosts only) unless
        the caller passes one.
        """
        base = base_url.rstrip("/")
        values: dict[str, Any] = {
            "graph_base_url": base,
            "graph_video_base_url": base,
            "instagram_base_url": base,  # serves /refresh_access_token
            "youtube_upload_base_url": base,
            "youtube_api_base_url": base,
            "google_token_url": f"{base}/token",
            "synthetic_video_bytes": True,
            "base_urls": {
                spec.platform.value: f"{base}{spec.sandbox_prefix}"
                for spec in _specs_with_own_host()
                if spec.sandbox_prefix
            },
        }
        return cls(**{**values, **overrides})

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRETS and value:
                value = "***"
            parts.append(f"{f.name}={value!r}")
        return f"PlatformConfig({', '.join(parts)})"


def _specs_with_own_host():
    from .registry import specs  # late: the specs' clients import this module

    return [s for s in specs() if s.default_base_url]
