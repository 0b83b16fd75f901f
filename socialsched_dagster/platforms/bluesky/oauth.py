"""Connecting a Bluesky account with an app password.

atproto's OAuth needs pushed authorization requests, DPoP-bound tokens and a public client
metadata document; until that is built, an account connects the way Bluesky supports for
third-party apps: an app password (Settings > Privacy and security > App passwords), checked
here by one `com.atproto.server.createSession` on the account's PDS, which also says the
account's DID and handle. The app password is what the account stores (sessions.py logs in
with it and keeps the session).
"""

from __future__ import annotations

import httpx

from ..config import PlatformConfig
from ..oauth_provider import Connected, ConnectError, PasswordConnect, answer, call, text_field

WHAT = "bluesky connect"
HELP = (
    "Bluesky connects with an app password: create one under Settings > Privacy and security > "
    "App passwords and POST it to /api/v1/oauth/bluesky/app-password with the PDS (server) "
    "and the account's handle or DID"
)


def login(
    http: httpx.Client, _config: PlatformConfig, server: str, identifier: str, password: str
) -> Connected:
    secrets = (password,)
    url = f"{server}/xrpc/com.atproto.server.createSession"
    body = {"identifier": identifier, "password": password}
    session = answer(call(http, WHAT, secrets, "POST", url, json=body), WHAT, secrets)
    if session.get("active") is False:
        status = session.get("status") or "inactive"
        raise ConnectError(f"{WHAT}: the account is {status} on {server}", str(status))
    did = text_field(session, "did", WHAT)
    return Connected(
        external_id=did, handle=str(session.get("handle") or did), access_token=password
    )


def connector() -> PasswordConnect:
    return PasswordConnect(login=login, help=HELP)
