"""Platform clients behind the shared resilience guard, plus the token cipher they need.

Dagster rebuilds resources per run and per tick; the guard (whose local fallback mode lives in
memory) and the clients (whose connection pools must be reused) are kept once per process.
"""

from __future__ import annotations

import dataclasses
import os
import threading

from dagster import ConfigurableResource

from ...cache.shared import shared_cache
from ...domain.platforms import Platform
from ...platforms.base import PlatformClient
from ...platforms.config import PlatformConfig
from ...platforms.registry import build_client
from ...resilience.breaker import BreakerSettings
from ...resilience.guard import ResilientGuard
from ...resilience.limits_config import RateLimits
from ...security.token_cipher import TokenCipher
from ...settings import load_settings
from ...store.database import Database
from ...tokens.policy import RefreshPolicy
from ...tokens.refresher import TokenRefresher
from .redis import RedisResource

_lock = threading.Lock()
_guards: dict[str, ResilientGuard] = {}
# Keyed by the Redis URL too: a client holds the guard and the cache of one Redis (their
# connections, rate limits and breakers), so a client built for another Redis must not be
# handed out. Entries of another URL are left as they are, not closed: a run may still be using
# one, and a process normally has one URL all its life (tests change it between runs).
_clients: dict[tuple[PlatformConfig, Platform, str], PlatformClient] = {}


def platform_config_from_env(env=None) -> PlatformConfig:
    """Hosts and credentials from PlatformConfig.from_env; any other field from
    SOCIALSCHED_PLATFORM_<FIELD> (e.g. SOCIALSCHED_PLATFORM_READ_TIMEOUT_S=10)."""
    env = os.environ if env is None else env
    overrides = {}
    for field in dataclasses.fields(PlatformConfig):
        raw = env.get(f"SOCIALSCHED_PLATFORM_{field.name.upper()}")
        if raw is None:
            continue
        kind = field.type if isinstance(field.type, str) else field.type.__name__
        if kind.startswith("bool"):
            overrides[field.name] = raw.strip().lower() in ("1", "true", "yes")
        elif kind.startswith("int"):
            overrides[field.name] = int(raw)
        elif kind.startswith("float"):
            overrides[field.name] = float(raw)
        elif kind.startswith("str"):
            overrides[field.name] = raw
        # Anything else (media_policy) has settings of its own, read by from_env.
    return PlatformConfig.from_env(env, **overrides)


def refresh_policy(env=None) -> RefreshPolicy:
    """Horizons from SOCIALSCHED_TOKEN_<PLATFORM>_HORIZON_S (seconds)."""
    from datetime import timedelta

    from ...domain.platforms import Platform

    env = os.environ if env is None else env
    horizons = {}
    for platform in Platform:
        value = env.get(f"SOCIALSCHED_TOKEN_{platform.name}_HORIZON_S")
        if value:
            horizons[platform] = timedelta(seconds=float(value))
    return RefreshPolicy(horizons=horizons)


class PlatformsResource(ConfigurableResource):
    """Instagram, Facebook and YouTube clients; rate limits and breakers shared via Redis."""

    redis: RedisResource

    def guard(self) -> ResilientGuard:
        return self._guard(self.redis.resolved_url())

    def _guard(self, url: str) -> ResilientGuard:
        with _lock:
            if url not in _guards:
                _guards[url] = ResilientGuard(
                    url, limits=RateLimits.from_env(), breaker=BreakerSettings.from_env()
                )
            return _guards[url]

    def client(self, platform: Platform) -> PlatformClient:
        config = platform_config_from_env()
        url = self.redis.resolved_url()
        key = (config, platform, url)
        guard = self._guard(url)  # the URL of the key, resolved once
        with _lock:
            if key not in _clients:
                _clients[key] = build_client(platform, config, guard, cache=shared_cache(url))
            return _clients[key]

    def refresher(self, db: Database) -> TokenRefresher:
        """Token refresh through each platform's protocol, locked per account in Redis."""
        return TokenRefresher(
            db, self.cipher(), platform_config_from_env(), self.redis.client(), refresh_policy()
        )

    def cipher(self) -> TokenCipher:
        s = load_settings()
        return TokenCipher.from_config(s.token_key, s.token_key_file)
