"""Our app at each platform: configured (SOCIALSCHED_<PLATFORM>_CLIENT_ID / _CLIENT_SECRET, or
an app the platform shares with its token refresh), or, on platforms whose servers each
register apps (Mastodon), registered on the server once and kept in `oauth_clients`."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.platforms import Platform
from ..platforms.config import PlatformConfig
from ..platforms.oauth_provider import AppClient, ConnectError, OAuthConnect
from ..platforms.registry import spec
from ..security.token_cipher import TokenCipher
from ..settings import OAuthSettings
from ..store.database import Database
from ..store.models import OAuthClient
from .errors import ConnectFailed


def configured_client(
    settings: OAuthSettings, config: PlatformConfig, platform: Platform, connector: OAuthConnect
) -> AppClient:
    own = settings.clients.get(platform.value)
    if own is not None:
        return AppClient(own.client_id, own.client_secret)
    shared = connector.shared_client(config) if connector.shared_client else None
    if shared is not None:
        return shared
    title = spec(platform).title
    help_ = connector.client_help or (
        f"set SOCIALSCHED_{platform.name}_CLIENT_ID and SOCIALSCHED_{platform.name}_CLIENT_SECRET"
    )
    raise ConnectFailed(
        409,
        "oauth_not_configured",
        f"{title} accounts connect through {title}'s OAuth, and this server has no app "
        f"configured for it: {help_}",
    )


def kept_client(
    db: Database, cipher: TokenCipher, platform: Platform, server: str, redirect_uri: str
) -> AppClient | None:
    def read(session):
        row = session.scalar(
            select(OAuthClient).where(
                OAuthClient.platform == platform.value,
                OAuthClient.server_url == server,
                OAuthClient.redirect_uri == redirect_uri,
            )
        )
        if row is None:
            return None
        secret = cipher.decrypt(row.client_secret_enc) if row.client_secret_enc else None
        return AppClient(row.client_id, secret)

    return db.transaction(read, name="oauth client", read_only=True)


def server_client(
    db: Database,
    cipher: TokenCipher,
    http: httpx.Client,
    platform: Platform,
    connector: OAuthConnect,
    server: str,
    redirect_uri: str,
) -> AppClient:
    """Our app on `server`: the kept registration, or a new one (kept for next time)."""
    kept = kept_client(db, cipher, platform, server, redirect_uri)
    if kept is not None:
        return kept
    register = connector.register_client
    assert register is not None, "server_client is for platforms that register apps"
    try:
        app = register(http, server, redirect_uri)
    except ConnectError as exc:
        raise ConnectFailed(502, "platform_refused", exc.message) from None

    def keep(session):
        session.add(
            OAuthClient(
                platform=platform.value,
                server_url=server,
                redirect_uri=redirect_uri,
                client_id=app.client_id,
                client_secret_enc=cipher.encrypt(app.client_secret) if app.client_secret else None,
            )
        )

    try:
        db.transaction(keep, name="oauth client keep")
    except IntegrityError:
        # Another connection registered us there at the same moment: use that one.
        found = kept_client(db, cipher, platform, server, redirect_uri)
        if found is not None:
            return found
        raise
    return app
