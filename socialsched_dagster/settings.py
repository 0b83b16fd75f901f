"""Configuration from the environment, with an embedded default for everything but production
secrets. One place, so the CLI, the Dagster resources and the tests agree on where things live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .security.public_urls import MediaPolicy


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    redis_url: str | None  # None: embedded Redis under `home`
    token_key: str | None  # None: key file under `home`
    # Media hosts taken as stand-ins and private networks media may be on (SOCIALSCHED_MEDIA_*):
    # what intake accepts as a post's media URL.
    media_policy: MediaPolicy = field(default_factory=MediaPolicy)

    @property
    def token_key_file(self) -> Path:
        return self.home / "token.key"

    @property
    def embedded_redis_file(self) -> Path:
        return self.home / "redis.db"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("SOCIALSCHED_HOME") or ".socialsched").resolve()
    return Settings(
        home=home,
        database_url=env.get("SOCIALSCHED_DATABASE_URL") or f"sqlite:///{home / 'app.db'}",
        redis_url=env.get("REDIS_URL") or None,
        token_key=env.get("SOCIALSCHED_TOKEN_KEY") or None,
        media_policy=MediaPolicy.from_env(env),
    )
