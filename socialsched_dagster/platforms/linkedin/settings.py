"""The LinkedIn client's own settings (PlatformConfig is shared; these are only LinkedIn's),
read from the environment in this one place.

- SOCIALSCHED_LINKEDIN_VERSION: the `Linkedin-Version` every call sends (YYYYMM). LinkedIn
  sunsets each version about a year after its release and then answers 426: move it forward.
- SOCIALSCHED_LINKEDIN_CLIENT_ID / _CLIENT_SECRET: the app's credentials, needed only to renew
  tokens with a refresh token (partner apps).
- SOCIALSCHED_LINKEDIN_OAUTH_URL: the token endpoint; by default www.linkedin.com's, or the
  one beside a configured API base (the sandbox serves both under one prefix).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .versions import VERSION_VAR, valid_shape

DEFAULT_VERSION = "202611"
DEFAULT_OAUTH_URL = "https://www.linkedin.com/oauth/v2/accessToken"


@dataclass(frozen=True, repr=False)
class LinkedInSettings:
    version: str = DEFAULT_VERSION
    client_id: str | None = None
    client_secret: str | None = None
    oauth_url: str | None = None
    # Reconciliation reads the author's posts back to this long before `prepare` (clock
    # skew), at most this many pages of 50.
    search_slack_s: float = 120.0
    search_pages: int = 4
    # Our own bound on an image download (LinkedIn documents a pixel count, not a size).
    max_image_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        if not valid_shape(self.version):
            raise ValueError(
                f"{VERSION_VAR} must be a LinkedIn API version as YYYYMM (e.g. "
                f"{DEFAULT_VERSION}), got {self.version!r}"
            )
        if self.search_pages < 1 or self.search_slack_s < 0 or self.max_image_bytes < 1:
            raise ValueError("search_pages and max_image_bytes must be positive, slack >= 0")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LinkedInSettings:
        env = os.environ if env is None else env
        values = {
            "version": env.get(VERSION_VAR, "").strip() or DEFAULT_VERSION,
            "client_id": env.get("SOCIALSCHED_LINKEDIN_CLIENT_ID") or None,
            "client_secret": env.get("SOCIALSCHED_LINKEDIN_CLIENT_SECRET") or None,
            "oauth_url": env.get("SOCIALSCHED_LINKEDIN_OAUTH_URL") or None,
        }
        return cls(**values)

    def token_url(self, api_base: str, default_api_base: str) -> str:
        if self.oauth_url:
            return self.oauth_url
        if api_base.rstrip("/") == default_api_base.rstrip("/"):
            return DEFAULT_OAUTH_URL
        return f"{api_base.rstrip('/')}/oauth/v2/accessToken"

    def __repr__(self) -> str:
        secret = "***" if self.client_secret else None
        return (
            f"LinkedInSettings(version={self.version!r}, client_id={self.client_id!r}, "
            f"client_secret={secret!r}, oauth_url={self.oauth_url!r})"
        )
