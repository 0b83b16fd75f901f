"""Bluesky sessions: logged in rarely, shared by every run, refreshed before they expire.

The stored token of a Bluesky account is its app password. `createSession` turns it into a
session (an access JWT of about 2 h, a refresh JWT of about 90 days), and the PDS allows 30
logins per 5 minutes and 300 per day per account, so logging in per post would lock the account
out within minutes. Sessions are therefore kept:
- in this client (memory), looked at first;
- in Redis through the shared cache (when the client has one), so the next run process starts
  with the session instead of a login, sealed so that Redis alone yields no token
  (session_keys.py);
- renewed with `refreshSession` when the access JWT has less than `REFRESH_MARGIN_S` left or the
  PDS refuses it, and logged in again only when the refresh JWT is refused too.
Logins are counted before they are sent (login_limit.py). One lock per session in a process:
workers of one run that all need a session wait for one login, not 8 logins at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ...cache.redis_cache import RedisCache
from ...domain.errors import ErrorKind, PublishError
from ..base import PublishJob
from .login_limit import LoginLimit
from .session_keys import Sealed, jwt_expiry, session_key
from .xrpc import XrpcTransport, pds_url

REFRESH_MARGIN_S = 300.0
UNREADABLE_ACCESS_S = 600.0  # an access JWT whose expiry cannot be read is renewed this soon
MAX_SHARED_TTL_S = 7 * 86400.0


@dataclass(frozen=True)
class Session:
    access_jwt: str
    refresh_jwt: str
    did: str
    handle: str
    access_exp: float
    refresh_exp: float

    def __repr__(self) -> str:
        return f"Session(did={self.did}, access_exp={self.access_exp:.0f})"


class _Absent(Exception):
    """Raised by a cache loader that must not log in."""


class SessionStore:
    def __init__(
        self,
        transport: XrpcTransport,
        cache: RedisCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.transport, self.cache, self.clock = transport, cache, clock
        self._sessions: dict[str, Session] = {}
        self._logins = LoginLimit()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.login_count = 0  # createSession calls made by this store (tests, metrics)

    # -- what the calls need -----------------------------------------------------------------

    def access_jwt(self, job: PublishJob) -> str:
        key = session_key(job)
        with self._lock(key):
            now = self.clock()
            session = self._sessions.get(key)
            if session is None or session.refresh_exp <= now:
                session = self._shared(job, key)
            if session.access_exp - now < REFRESH_MARGIN_S:
                session = self._refresh(job, key, session)
            self._sessions[key] = session
            return session.access_jwt

    def renew(self, job: PublishJob, refused: str) -> str:
        """A new access JWT after the PDS refused `refused` (unless one was renewed since)."""
        key = session_key(job)
        with self._lock(key):
            session = self._sessions.get(key)
            if session is not None and session.access_jwt != refused:
                return session.access_jwt
            session = self._refresh(job, key, session or self._shared(job, key), force=True)
            self._sessions[key] = session
            return session.access_jwt

    # -- the layers ----------------------------------------------------------------------------

    def _shared(self, job: PublishJob, key: str) -> Session:
        if self.cache is None:
            return self._login(job)
        fresh: list[Session] = []

        def load() -> dict[str, Any]:
            fresh.append(self._login(job))
            return asdict(fresh[0])

        data = self.cache.get_or_set(key, load, self._ttl(None), Sealed(job))
        session = fresh[0] if fresh else Session(**data)
        if session.refresh_exp <= self.clock():  # kept past its refresh JWT: log in again
            session = self._login(job)
            self._share(job, key, session)
        return session

    def _peek(self, job: PublishJob, key: str) -> Session | None:
        """The shared session, if Redis holds one; never a login."""
        if self.cache is None:
            return None

        def absent() -> dict[str, Any]:
            raise _Absent

        try:
            return Session(**self.cache.get_or_set(key, absent, None, Sealed(job)))
        except (_Absent, TypeError):
            return None

    def _share(self, job: PublishJob, key: str, session: Session) -> None:
        if self.cache is not None:
            self.cache.invalidate(key)
            self.cache.get_or_set(key, lambda: asdict(session), self._ttl(session), Sealed(job))

    def _ttl(self, session: Session | None) -> float:
        if session is None:
            return MAX_SHARED_TTL_S
        return max(60.0, min(MAX_SHARED_TTL_S, session.refresh_exp - self.clock()))

    def _refresh(self, job: PublishJob, key: str, session: Session, force: bool = False) -> Session:
        if not force:
            # Another process may have renewed it already: take that one instead.
            shared = self._peek(job, key)
            if (
                shared is not None
                and shared.access_jwt != session.access_jwt
                and shared.access_exp - self.clock() > REFRESH_MARGIN_S
            ):
                return shared
        try:
            body = self.transport.request(
                job, "com.atproto.server.refreshSession", procedure=True,
                bearer=session.refresh_jwt, expect=("accessJwt", "refreshJwt", "did"),
            )  # fmt: skip
            renewed = self._session(job, body)
        except PublishError as exc:
            if exc.kind is not ErrorKind.AUTH_EXPIRED:
                raise
            renewed = self._login(job)  # the refresh JWT was refused (expired or revoked)
        self._share(job, key, renewed)
        return renewed

    def _login(self, job: PublishJob) -> Session:
        self._logins.take(job.account_external_id, self.clock())
        self.login_count += 1
        body = {"identifier": job.account_external_id, "password": job.access_token}
        try:
            answer = self.transport.request(
                job, "com.atproto.server.createSession", procedure=True, json=body,
                expect=("accessJwt", "refreshJwt", "did"),
            )  # fmt: skip
        except PublishError as exc:
            if exc.kind is ErrorKind.AUTH_EXPIRED:
                raise PublishError(
                    ErrorKind.AUTH_EXPIRED,
                    f"{exc.message}: the PDS refused the app password; create a new one and "
                    "give it to `socialsched accounts reconnect`",
                    code=exc.code,
                    http_status=exc.http_status,
                ) from exc
            raise
        return self._session(job, answer)

    def _session(self, job: PublishJob, body: dict[str, Any]) -> Session:
        did = str(body["did"])
        if did != job.account_external_id:
            raise PublishError(
                ErrorKind.AUTH_EXPIRED,
                f"the app password logs in as {did}, not as {job.account_external_id}: "
                "reconnect the account with its own app password",
                code="WrongAccount",
            )
        if body.get("active") is False:
            status = body.get("status") or "inactive"
            raise PublishError(
                ErrorKind.ACCOUNT_BLOCKED, f"the account is {status} on {pds_url(job)}", status
            )
        now = self.clock()
        access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        return Session(
            access_jwt=access,
            refresh_jwt=refresh,
            did=did,
            handle=str(body.get("handle") or ""),
            access_exp=jwt_expiry(access) or now + UNREADABLE_ACCESS_S,
            refresh_exp=jwt_expiry(refresh) or now + 86400.0,
        )

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())
