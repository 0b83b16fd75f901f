"""Configuration from the environment, with an embedded default for everything but production
secrets. One place, so the CLI, the Dagster resources and the tests agree on where things live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .security.public_urls import MediaPolicy


@dataclass(frozen=True)
class ApiSettings:
    """`socialsched api serve` (SOCIALSCHED_API_*)."""

    host: str = "127.0.0.1"
    port: int = 8080
    # Where browsers reach the API: OAuth redirect URIs are built from it.
    public_url: str = "http://127.0.0.1:8080"
    # Requests per key per minute, and the burst above the steady rate.
    rate_per_minute: int = 600
    burst: int = 100
    max_body_bytes: int = 1_048_576
    request_timeout_s: float = 30.0
    # Origins allowed to call from a browser: none by default (CORS closed).
    cors_origins: tuple[str, ...] = ()
    workers: int = 1

    @classmethod
    def from_env(cls, env) -> ApiSettings:
        def number(name: str, default, kind=int):
            raw = env.get(f"SOCIALSCHED_API_{name}")
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"SOCIALSCHED_API_{name}={raw!r} is not a number") from None
            if value <= 0:
                raise ValueError(f"SOCIALSCHED_API_{name} must be positive, got {raw}")
            return value

        host = env.get("SOCIALSCHED_API_HOST") or cls.host
        port = number("PORT", cls.port)
        origins = tuple(
            o.strip().rstrip("/")
            for o in (env.get("SOCIALSCHED_API_CORS_ORIGINS") or "").split(",")
        )
        return cls(
            host=host,
            port=port,
            public_url=(env.get("SOCIALSCHED_API_PUBLIC_URL") or f"http://{host}:{port}").rstrip(
                "/"
            ),
            rate_per_minute=number("RATE_PER_MINUTE", cls.rate_per_minute),
            burst=number("BURST", cls.burst),
            max_body_bytes=number("MAX_BODY_BYTES", cls.max_body_bytes),
            request_timeout_s=number("REQUEST_TIMEOUT_S", cls.request_timeout_s, float),
            cors_origins=tuple(o for o in origins if o),
            workers=number("WORKERS", cls.workers),
        )


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    redis_url: str | None  # None: embedded Redis under `home`
    token_key: str | None  # None: key file under `home`
    # Media hosts taken as stand-ins and private networks media may be on (SOCIALSCHED_MEDIA_*):
    # what intake accepts as a post's media URL.
    media_policy: MediaPolicy = field(default_factory=MediaPolicy)
    api: ApiSettings = field(default_factory=ApiSettings)
    # The workspace the CLI works on (SOCIALSCHED_WORKSPACE, or --workspace).
    workspace: str = "default"

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
        api=ApiSettings.from_env(env),
        workspace=(env.get("SOCIALSCHED_WORKSPACE") or "default").strip().lower(),
    )
