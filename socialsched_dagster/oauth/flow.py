"""The connect flow, in three steps and two parties:

1. `start` (an admin's API key): a state of 32 random bytes, kept only as its hash in
   `oauth_states` with the workspace, the platform, the PKCE verifier (encrypted with the token
   cipher) and a 10-minute expiry. The answer is a link for a browser: `begin?ticket=<state>`.
2. `begin` (the browser opens the link): the link works once. It binds the state to a new
   browser-session secret, kept as its hash, given to the browser as an HttpOnly cookie, and
   sends the browser on to the platform's authorize URL.
3. `finish` (the platform sends the browser back to the callback): the state must be known,
   come back in the browser that began it (the cookie), unused and unexpired; it is spent
   before anything else happens. The code is redeemed with the verifier, the account is added
   to the workspace (or given the new token if it is already this workspace's), and the audit
   log says who connected what.

A platform whose way is an app password (Bluesky) is connected in one step, `connect_password`.
Nothing here logs or shows a token, a code or a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import httpx
from sqlalchemy import select, update

from ..domain.platforms import Platform
from ..platforms.config import PlatformConfig
from ..platforms.http import build_http_client
from ..platforms.oauth_provider import (
    AppClient,
    Authorization,
    CodeGrant,
    Connected,
    ConnectError,
    Connector,
    OAuthConnect,
    PasswordConnect,
    s256,
)
from ..platforms.registry import spec
from ..security.token_cipher import TokenCipher
from ..settings import OAuthSettings
from ..store.accounts import AccountError, add_account
from ..store.database import Database
from ..store.models import Account, OAuthState, Workspace, utcnow
from ..store.tokens import reconnect
from ..teams import audit
from .clients import configured_client, kept_client, server_client
from .errors import ConnectFailed
from .servers import check_server

BEGIN_PATH = "/api/v1/oauth/begin"
CALLBACK_PATH = "/api/v1/oauth/callback"
COOKIE_PREFIX = "socialsched_oauth_"
# As for the API's reconnect: held posts due longer ago than this are missed, not sent.
STALE_AFTER = timedelta(hours=2)
# Errors a platform sends back when the person said no (OAuth's access_denied; LinkedIn's own).
DENIED = ("access_denied", "user_cancelled_authorize", "user_cancelled_login")


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def cookie_name(state: str) -> str:
    """One cookie per connection, so connections begun in two tabs do not undo each other."""
    return COOKIE_PREFIX + digest(f"cookie:{state}")[:16]


@dataclass(frozen=True)
class Flow:
    db: Database
    cipher: TokenCipher
    settings: OAuthSettings
    public_url: str

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}{CALLBACK_PATH}"

    @cached_property
    def config(self) -> PlatformConfig:
        return self.settings.platform_config()

    def http(self) -> httpx.Client:
        return build_http_client(self.config)


@dataclass(frozen=True)
class Started:
    platform: Platform
    connect_url: str
    expires_at: datetime


@dataclass(frozen=True)
class Begun:
    authorize_url: str
    cookie_name: str
    cookie_value: str
    max_age: int


@dataclass(frozen=True)
class Finished:
    platform: Platform
    account_id: int
    handle: str
    workspace: str
    reconnected: bool

    @property
    def ref(self) -> str:
        return f"{self.platform.value}:{self.handle}"


# -- 1. start ---------------------------------------------------------------------------------


def oauth_of(platform: Platform) -> OAuthConnect:
    connector = _connector(platform)
    if isinstance(connector, PasswordConnect):
        raise ConnectFailed(422, "use_app_password", connector.help)
    return connector


def _connector(platform: Platform) -> Connector:
    s = spec(platform)
    if s.connect is None:
        raise ConnectFailed(
            422, "not_connectable", f"{s.title} accounts are added with a token (CLI) only"
        )
    return s.connect()


def _server(flow: Flow, platform: Platform, server_url: str | None) -> str | None:
    s = spec(platform)
    if s.needs_server:
        return check_server(server_url, flow.settings.private_networks)
    if server_url:
        raise ConnectFailed(
            422, "validation_failed", f"{s.title} has one API host: leave `server` out"
        )
    return None


def _client(flow: Flow, platform: Platform, connector: OAuthConnect, server: str | None):
    if connector.register_client is not None and server:
        return kept_client(flow.db, flow.cipher, platform, server, flow.redirect_uri)
    return configured_client(flow.settings, flow.config, platform, connector)


def start(
    flow: Flow, *, workspace_id: int, actor: str, platform: Platform, server_url: str | None
) -> Started:
    connector = oauth_of(platform)
    server = _server(flow, platform, server_url)
    if connector.register_client is not None and server:
        with flow.http() as http:
            server_client(
                flow.db, flow.cipher, http, platform, connector, server, flow.redirect_uri
            )
    else:
        configured_client(flow.settings, flow.config, platform, connector)
    state = secrets.token_urlsafe(32)  # 32 random bytes
    # RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~]; 64 random bytes make 86.
    verifier = secrets.token_urlsafe(64) if connector.pkce else None
    now = utcnow()
    expires = now + timedelta(seconds=flow.settings.state_ttl_s)

    def keep(session):
        session.add(
            OAuthState(
                state_hash=digest(state),
                workspace_id=workspace_id,
                platform=platform.value,
                session_hash="",  # bound when a browser opens the link
                verifier_enc=flow.cipher.encrypt(verifier) if verifier else None,
                server_url=server,
                actor=actor,
                created_at=now,
                expires_at=expires,
            )
        )

    flow.db.transaction(keep, name="oauth start")
    connect_url = f"{flow.public_url.rstrip('/')}{BEGIN_PATH}?ticket={state}"
    return Started(platform, connect_url, expires)


# -- 2. begin ---------------------------------------------------------------------------------

_GONE = ConnectFailed(
    404, "unknown_link", "this connect link is unknown: ask for a new one (POST /oauth/start)"
)


def begin(flow: Flow, ticket: str | None) -> Begun:
    if not ticket:
        raise _GONE
    state_hash = digest(ticket)
    session_secret = secrets.token_urlsafe(32)
    now = utcnow()

    def bind(session):
        row = session.get(OAuthState, state_hash)
        if row is None:
            raise _GONE
        if row.session_hash or row.used_at is not None:
            raise ConnectFailed(
                409, "link_used", "this connect link was opened already: each link works "
                "once, ask for a new one",
            )  # fmt: skip
        if row.expires_at <= now:
            raise ConnectFailed(
                410, "link_expired", "this connect link has expired: ask for a new one"
            )
        taken = session.execute(
            update(OAuthState)
            .where(OAuthState.state_hash == state_hash, OAuthState.session_hash == "")
            .values(session_hash=digest(session_secret))
        ).rowcount
        if taken != 1:  # another browser opened it a moment ago
            raise ConnectFailed(409, "link_used", "this connect link was opened already")
        return Platform(row.platform), row.server_url, row.verifier_enc, row.expires_at

    platform, server, verifier_enc, expires = flow.db.transaction(bind, name="oauth begin")
    connector = oauth_of(platform)
    verifier = flow.cipher.decrypt(verifier_enc) if verifier_enc else None
    client = _client(flow, platform, connector, server)
    if client is None:
        raise ConnectFailed(409, "link_expired", "our app on that server is gone: start again")
    url = connector.authorize_url(
        Authorization(
            config=flow.config,
            client=client,
            redirect_uri=flow.redirect_uri,
            state=ticket,
            code_challenge=s256(verifier) if verifier else None,
            server_url=server,
        )
    )
    max_age = max(1, int((expires - now).total_seconds()))
    return Begun(url, cookie_name(ticket), session_secret, max_age)


# -- 3. finish --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spent:
    platform: Platform
    workspace_id: int
    actor: str
    server_url: str | None
    verifier_enc: str | None


def _spend(flow: Flow, state: str, cookies: Mapping[str, str]) -> _Spent:
    """The state, checked and spent (once: a replay finds it used)."""
    state_hash = digest(state)
    cookie = cookies.get(cookie_name(state)) or ""
    now = utcnow()

    def spend(session):
        row = session.get(OAuthState, state_hash)
        if row is None:
            raise ConnectFailed(400, "unknown_state", "this connection is unknown: start a new one")
        # Bound to the browser that began it: another browser (or a forged link) gets nowhere.
        if not row.session_hash or not hmac.compare_digest(digest(cookie), row.session_hash):
            raise ConnectFailed(
                403, "session_mismatch", "this connection was begun in another browser: open "
                "the connect link in this browser (ask for a new one)",
            )  # fmt: skip
        if row.used_at is not None:
            raise ConnectFailed(
                409, "state_used", "this connection was finished already: start a new one"
            )
        if row.expires_at <= now:
            raise ConnectFailed(
                410, "state_expired", "this connection took longer than "
                f"{flow.settings.state_ttl_s // 60} minutes and has expired: start a new one",
            )  # fmt: skip
        spent = session.execute(
            update(OAuthState)
            .where(OAuthState.state_hash == state_hash, OAuthState.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if spent != 1:
            raise ConnectFailed(409, "state_used", "this connection was finished already")
        return _Spent(
            Platform(row.platform), row.workspace_id, row.actor, row.server_url, row.verifier_enc
        )

    return flow.db.transaction(spend, name="oauth callback")


def finish(
    flow: Flow,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
    error_description: str | None,
    cookies: Mapping[str, str],
) -> Finished:
    if not state:
        raise ConnectFailed(
            400, "invalid_request", "the platform sent the browser back without a state"
        )
    spent = _spend(flow, state, cookies)
    platform, title = spent.platform, spec(spent.platform).title
    if error:
        if error in DENIED:
            raise ConnectFailed(
                400, "access_denied", f"access to {title} was not allowed: nothing was connected"
            )
        said = f"{error}: {error_description}" if error_description else error
        raise ConnectFailed(400, "platform_refused", f"{title} refused: {said[:300]}")
    if not code:
        raise ConnectFailed(400, "invalid_request", f"{title} sent the browser back without a code")
    connector = oauth_of(platform)
    server = spent.server_url
    if server:  # asked again: DNS may answer otherwise than at the start
        server = check_server(server, flow.settings.private_networks)
    client = _client(flow, platform, connector, server)
    if client is None:
        raise ConnectFailed(409, "state_expired", "our app on that server is gone: start again")
    verifier = flow.cipher.decrypt(spent.verifier_enc) if spent.verifier_enc else None
    grant = CodeGrant(flow.config, client, flow.redirect_uri, code, verifier, server)
    try:
        with flow.http() as http:
            connected = connector.redeem(http, grant)
    except ConnectError as exc:
        raise ConnectFailed(502, "platform_refused", exc.message) from None
    return _store(flow, spent.workspace_id, spent.actor, platform, connected, server, "oauth")


def connect_password(
    flow: Flow,
    *,
    workspace_id: int,
    actor: str,
    platform: Platform,
    server_url: str | None,
    identifier: str,
    password: str,
) -> Finished:
    connector = _connector(platform)
    if not isinstance(connector, PasswordConnect):
        raise ConnectFailed(
            422, "use_oauth", f"{spec(platform).title} connects through OAuth: POST "
            f"/api/v1/oauth/{platform.value}/start",
        )  # fmt: skip
    server = _server(flow, platform, server_url) or ""
    try:
        with flow.http() as http:
            connected = connector.login(http, flow.config, server, identifier, password)
    except ConnectError as exc:
        raise ConnectFailed(502, "platform_refused", exc.message) from None
    return _store(flow, workspace_id, actor, platform, connected, server or None, "app_password")


def _store(
    flow: Flow,
    workspace_id: int,
    actor: str,
    platform: Platform,
    connected: Connected,
    server: str | None,
    via: str,
) -> Finished:
    now = utcnow()
    expires = now + timedelta(seconds=connected.expires_in) if connected.expires_in else None

    def work(session):
        existing = session.scalar(
            select(Account).where(
                Account.platform == platform.value,
                Account.external_id == connected.external_id,
                Account.workspace_id == workspace_id,
            )
        )
        detail: dict = {"platform": platform.value, "via": via}
        if existing is not None:
            released, missed = reconnect(
                session, flow.cipher, existing, access_token=connected.access_token,
                refresh_token=connected.refresh_token, expires_at=expires, now=now,
                stale_before=now - STALE_AFTER,
            )  # fmt: skip
            account = existing
            detail.update(reconnected=True, released=released, missed=missed)
        else:
            # Refuses an account another workspace publishes to, in its own words.
            account = add_account(
                session, flow.cipher, platform=platform, external_id=connected.external_id,
                handle=connected.handle, access_token=connected.access_token,
                refresh_token=connected.refresh_token, expires_at=expires, server_url=server,
                workspace_id=workspace_id,
            )  # fmt: skip
            detail["reconnected"] = False
        audit.record(
            session, workspace_id, actor=actor, action="account.connect",
            subject=f"account:{account.id}", detail=detail,
        )  # fmt: skip
        workspace = session.get(Workspace, workspace_id)
        return Finished(
            platform, account.id, account.handle, workspace.name, bool(detail["reconnected"])
        )

    try:
        return flow.db.transaction(work, name="oauth connect")
    except AccountError as exc:
        raise ConnectFailed(409, "account_conflict", str(exc)) from None


__all__ = ["AppClient", "Begun", "Finished", "Flow", "Started", "begin", "finish", "start"]
