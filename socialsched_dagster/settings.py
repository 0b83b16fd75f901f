"""Configuration from the environment, with an embedded default for everything but production
secrets. One place, so the CLI, the Dagster resources and the tests agree on where things live.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from .security.public_urls import IPNetwork, MediaPolicy
from .webhooks.addresses import PRIVATE_NETWORKS_ENV as WEBHOOK_NETWORKS_ENV
from .webhooks.addresses import parse_networks


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
    # How long an idle client connection is kept open (uvicorn's default is 5 s): clients that
    # pause longer between requests reconnect each time.
    keep_alive_s: float = 5.0
    # A Server-Timing header on every response (api/timing.py): for benchmarks, off by default.
    server_timing: bool = False

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
            keep_alive_s=number("KEEP_ALIVE_S", cls.keep_alive_s, float),
            server_timing=env.get("SOCIALSCHED_API_SERVER_TIMING") == "1",
        )


@dataclass(frozen=True, repr=False)
class OAuthClient:
    """Our app at one platform: SOCIALSCHED_<PLATFORM>_CLIENT_ID and _CLIENT_SECRET."""

    client_id: str
    client_secret: str | None = None

    def __repr__(self) -> str:
        secret = "***" if self.client_secret else None
        return f"OAuthClient(client_id={self.client_id!r}, client_secret={secret})"


# Written by `socialsched demo` under SOCIALSCHED_HOME while it runs: where its sandbox is and
# the app credentials the sandbox takes, so `socialsched api serve` beside it connects accounts
# there. The environment wins over the file.
DEMO_SANDBOX_ENV = "sandbox.env"


@dataclass(frozen=True, repr=False)
class OAuthSettings:
    """Connecting accounts through the platforms' OAuth flows (`/api/v1/oauth`)."""

    # By platform name; a platform without one may fall back on a shared app it names (Meta's
    # SOCIALSCHED_META_APP_ID, Google's SOCIALSCHED_GOOGLE_CLIENT_ID; see its oauth.py).
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    # How long a started connection waits for the browser to come back
    # (SOCIALSCHED_OAUTH_STATE_TTL_S).
    state_ttl_s: int = 600
    # The SOCIALSCHED_* environment the platforms' endpoints are read from (PlatformConfig):
    # the real hosts, or the demo's sandbox.
    platform_env: tuple[tuple[str, str], ...] = ()
    # Networks an account's own server (a Mastodon instance, a Bluesky PDS) may be on although
    # they are not public (SOCIALSCHED_OAUTH_PRIVATE_NETWORKS, CIDRs): the demo's sandbox on
    # 127.0.0.1. Empty in production: we call that server, so it must be on the internet.
    private_networks: tuple[IPNetwork, ...] = ()
    # The demo's file, when it was read.
    demo_file: Path | None = None

    @classmethod
    def from_env(cls, env, demo_file: Path | None = None) -> OAuthSettings:
        from .domain.platforms import Platform

        merged = dict(env)
        read_file = None
        if demo_file is not None and demo_file.is_file():
            for name, value in _env_lines(demo_file.read_text()):
                merged.setdefault(name, value)
            read_file = demo_file
        clients = {}
        for platform in Platform:
            client_id = (merged.get(f"SOCIALSCHED_{platform.name}_CLIENT_ID") or "").strip()
            secret = (merged.get(f"SOCIALSCHED_{platform.name}_CLIENT_SECRET") or "").strip()
            if client_id:
                clients[platform.value] = OAuthClient(client_id, secret or None)
        ttl = merged.get("SOCIALSCHED_OAUTH_STATE_TTL_S")
        try:
            state_ttl_s = int(ttl) if ttl else cls.state_ttl_s
        except ValueError:
            raise ValueError(f"SOCIALSCHED_OAUTH_STATE_TTL_S={ttl!r} is not a number") from None
        if state_ttl_s <= 0:
            raise ValueError("SOCIALSCHED_OAUTH_STATE_TTL_S must be positive")
        platform_env = tuple(
            sorted((k, v) for k, v in merged.items() if k.startswith("SOCIALSCHED_"))
        )
        networks = []
        for item in (merged.get("SOCIALSCHED_OAUTH_PRIVATE_NETWORKS") or "").split(","):
            if item.strip():
                try:
                    networks.append(ipaddress.ip_network(item.strip()))
                except ValueError as exc:
                    raise ValueError(f"SOCIALSCHED_OAUTH_PRIVATE_NETWORKS: {exc}") from None
        return cls(clients, state_ttl_s, platform_env, tuple(networks), read_file)

    def platform_config(self):
        """The platforms' endpoints and shared app credentials (a PlatformConfig)."""
        from .platforms.config import PlatformConfig

        return PlatformConfig.from_env(dict(self.platform_env))

    def __repr__(self) -> str:
        return f"OAuthSettings(clients={self.clients!r}, state_ttl_s={self.state_ttl_s})"


def _env_lines(text: str):
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            yield name.strip(), value.strip()


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
    # Networks event webhooks may be delivered to although they are not public
    # (SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS): none in production, a test's local receiver.
    webhook_private_networks: tuple[IPNetwork, ...] = ()
    # Connecting accounts through OAuth (SOCIALSCHED_<PLATFORM>_CLIENT_ID, ...).
    oauth: OAuthSettings = field(default_factory=OAuthSettings)

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
        webhook_private_networks=parse_networks(env.get(WEBHOOK_NETWORKS_ENV, "")),
        oauth=OAuthSettings.from_env(env, home / DEMO_SANDBOX_ENV),
    )
