"""Refreshing one account's token, under a per-account lock shared by every process.

The lock matters: a platform that rotates refresh tokens invalidates the old one on use, so two
runs refreshing the same account at once would leave one of them holding a dead token. Inside
the lock the token is read again; if another process refreshed it meanwhile, this one does not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import redis

from ..domain.platforms import Platform
from ..platforms.config import PlatformConfig
from ..platforms.http import build_http_client
from ..platforms.registry import spec
from ..platforms.token_refresh import RefreshedToken, TokenRefreshError
from ..security.token_cipher import TokenCipher
from ..store.database import Database
from ..store.models import Account
from ..store.tokens import (
    TokenSecrets,
    read_secrets,
    record_transient_failure,
    require_reauth,
    store_refreshed,
)
from .policy import RefreshPolicy

log = logging.getLogger(__name__)
_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


class LockBusy(RuntimeError):
    pass


@dataclass(frozen=True)
class RefreshResult:
    account_id: int
    account: str  # platform:handle
    outcome: str  # refreshed | skipped | failed_transient | failed_permanent
    message: str = ""
    held: int = 0
    expires_at: datetime | None = None


class TokenRefresher:
    def __init__(
        self,
        db: Database,
        cipher: TokenCipher,
        config: PlatformConfig,
        redis_client: redis.Redis | None,
        policy: RefreshPolicy = RefreshPolicy(),
        *,
        http: httpx.Client | None = None,
        lock_ttl_s: float = 60.0,
        lock_wait_s: float = 30.0,
        failure_spacing_s: float = 30.0,
    ):
        # After a failed refresh, workers that meet the dead token within this long do not
        # try again themselves: they retry later, and the blip counts once.
        self.failure_spacing_s = failure_spacing_s
        self.db, self.cipher, self.config, self.redis = db, cipher, config, redis_client
        self.policy, self.lock_ttl_s, self.lock_wait_s = policy, lock_ttl_s, lock_wait_s
        self.http = http or build_http_client(config)

    def refresh(
        self,
        account_id: int,
        *,
        after_auth_error_on: int | None = None,
        seen_at: datetime | None = None,
    ) -> RefreshResult:
        """Refresh if due; or, after a publish met auth_expired at `seen_at` with the token of
        version `after_auth_error_on`: unless someone has refreshed it since (then the caller
        retries with the new token), or a refresh has failed since (then it is not tried again
        by every worker of the account: one failed refresh counts once)."""
        account = self.db.transaction(lambda s: s.get(Account, account_id), name="load account")
        platform, name = Platform(account.platform), f"{account.platform}:{account.handle}"
        try:
            return self._refresh_locked(account_id, platform, name, after_auth_error_on, seen_at)
        except LockBusy as busy:
            return RefreshResult(account_id, name, "failed_transient", str(busy))

    def _refresh_locked(
        self, account_id, platform, name, after_auth_error_on, seen_at
    ) -> RefreshResult:
        with self._lock(account_id):
            secrets = self.db.transaction(
                lambda s: read_secrets(s, self.cipher, account_id), name="read token"
            )
            now = self.db.now()
            if after_auth_error_on is not None:
                if secrets.version != after_auth_error_on:
                    return RefreshResult(account_id, name, "skipped", "refreshed meanwhile")
                status = self.db.transaction(
                    lambda s: s.get(Account, account_id).status, name="account status"
                )
                if status == "reauth_required":  # another worker's refresh was refused for good
                    return RefreshResult(
                        account_id, name, "failed_permanent", secrets.last_error or status
                    )
                failed = secrets.failed_at
                recent = now - timedelta(seconds=self.failure_spacing_s)
                if failed is not None and failed >= min(seen_at or now, recent):
                    # Another worker tried this very refresh after our error and it failed
                    # for now: trying again at once would only count the same blip twice.
                    return RefreshResult(
                        account_id, name, "failed_transient",
                        f"a refresh just failed: {secrets.last_error or 'unknown error'}",
                    )  # fmt: skip
            elif not self.policy.due(platform, secrets.expires_at, now):
                return RefreshResult(account_id, name, "skipped", "not due",
                                     expires_at=secrets.expires_at)  # fmt: skip
            try:
                fresh = self._call_platform(platform, secrets)
            except TokenRefreshError as error:
                if after_auth_error_on is not None and error.code == "config":
                    # The platform already refused this token and nothing here can renew it:
                    # waiting will not help, a person must (configure the app, or reconnect).
                    error = TokenRefreshError(True, error.message, error.code)
                return self._failed(account_id, name, error, secrets.expires_at, now)
            expires_at = now + timedelta(seconds=fresh.expires_in) if fresh.expires_in else None
            self.db.transaction(
                lambda s: store_refreshed(
                    s, self.cipher, account_id, access_token=fresh.access_token,
                    refresh_token=fresh.refresh_token, expires_at=expires_at, now=now,
                ),
                name="store refreshed token",
            )  # fmt: skip
        log.info("refreshed the token of %s; it now expires %s", name, expires_at or "never")
        return RefreshResult(account_id, name, "refreshed", expires_at=expires_at)

    def _call_platform(self, platform: Platform, secrets: TokenSecrets) -> RefreshedToken:
        refresh = spec(platform).refresh_token
        if refresh is None:
            raise TokenRefreshError(
                True, f"{spec(platform).title} tokens cannot be renewed: connect the account again"
            )
        return refresh(self.config, self.http, secrets.access_token, secrets.refresh_token)

    def _failed(
        self,
        account_id: int,
        name: str,
        error: TokenRefreshError,
        expires_at: datetime | None = None,
        now: datetime | None = None,
    ) -> RefreshResult:
        message = error.message
        if error.permanent and expires_at is not None and now is not None and expires_at > now:
            # Renewing ahead of expiry failed for good: the token still works until then, and
            # that date is the deadline for reconnecting.
            message = f"{message} (the token expires {expires_at:%Y-%m-%d %H:%M} UTC)"
        if not error.permanent:
            self.db.transaction(
                lambda s: record_transient_failure(s, account_id, message, self.db.now()),
                name="refresh failed",
            )
            log.warning("token refresh of %s failed, will retry: %s", name, message)
            return RefreshResult(account_id, name, "failed_transient", message)
        held = self.db.transaction(
            lambda s: require_reauth(s, account_id, message, self.db.now()),
            name="require reauth",
        )
        log.error(
            "%s needs re-authorisation (%s); %d scheduled post(s) held until "
            "`socialsched accounts reconnect %s`", name, message, held, name,
        )  # fmt: skip
        return RefreshResult(account_id, name, "failed_permanent", message, held=held)

    @contextmanager
    def _lock(self, account_id: int) -> Iterator[None]:
        name = f"socialsched:token-refresh:{account_id}"
        if self.redis is not None:
            try:
                lock = self.redis.lock(
                    name, timeout=self.lock_ttl_s, blocking_timeout=self.lock_wait_s
                )
                if not lock.acquire():
                    raise LockBusy(f"another process is refreshing account {account_id}")
            except redis.RedisError as exc:
                log.warning("Redis unavailable for the refresh lock (%s); using a local lock", exc)
            else:
                try:
                    yield
                finally:
                    with suppress(redis.RedisError):  # if so, it expires on its own
                        lock.release()
                return
        with _local_guard:
            local = _local_locks.setdefault(account_id, threading.Lock())
        with local:
            yield
