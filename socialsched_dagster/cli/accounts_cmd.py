"""`socialsched accounts ...`: connect, list and disable accounts.

Tokens come from stdin or a named environment variable, never from argv: argv is visible to
every user of the machine (`ps`) and lands in shell history.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta

import click

from .choices import EXTERNAL_ID_HELP, PLATFORM_NAMES
from .context import (
    CliError,
    cipher,
    database,
    emit_json,
    parse_when,
    transaction_seeing_rivals,
    user_errors,
    workspace_id,
)


def read_tokens(token_env: str | None, refresh_token_env: str | None) -> tuple[str, str | None]:
    if token_env:
        access = os.environ.get(token_env, "")
        if not access:
            raise CliError(f"environment variable {token_env} is empty or not set")
        refresh = None
        if refresh_token_env:
            refresh = os.environ.get(refresh_token_env) or None
            if refresh is None:
                raise CliError(f"environment variable {refresh_token_env} is empty or not set")
        return access.strip(), refresh
    if sys.stdin.isatty():
        access = click.prompt("Access token", hide_input=True)
        refresh = click.prompt(
            "Refresh token (empty if none)", hide_input=True, default="", show_default=False
        )
        return access.strip(), refresh.strip() or None
    # Piped: first line the access token, optional second line the refresh token.
    lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if not lines:
        raise CliError("no token on stdin: pipe the access token (and refresh token) in")
    return lines[0], (lines[1] if len(lines) > 1 else None)


def token_expiry(expires_in: int | None, expires_at: str | None, *, now: datetime):
    """When the new token expires, from --expires-in or --expires-at; a token that has
    expired already is refused, not stored to fail at the first publish."""
    expiry = parse_when(expires_at, "--expires-at")
    if expires_in is not None:
        expiry = now + timedelta(seconds=expires_in)
    if expiry is not None and expiry <= now:
        raise CliError(
            f"the token expired at {expiry:%Y-%m-%d %H:%M} UTC: connect with a fresh token"
        )
    return expiry


@click.group("accounts")
def accounts_group() -> None:
    """Connect social accounts and manage their tokens."""


@accounts_group.command("add")
@click.option("--platform", required=True, type=PLATFORM_NAMES)
@click.option("--external-id", required=True, help=EXTERNAL_ID_HELP)
@click.option("--handle", required=True, help="short name used as platform:handle")
@click.option("--owner", default=None)
@click.option(
    "--server", default=None, help="the account's server (Mastodon instance, Bluesky PDS)"
)
@click.option(
    "--expires-in",
    type=click.IntRange(1, 10 * 365 * 86400),
    default=None,
    help="token lifetime in seconds",
)
@click.option("--expires-at", default=None, help="token expiry, ISO 8601")
@click.option("--token-env", default=None, help="read the access token from this env var")
@click.option("--refresh-token-env", default=None, help="read the refresh token from this env var")
@user_errors
def add(
    platform, external_id, handle, owner, server, expires_in, expires_at, token_env,
    refresh_token_env,
):  # fmt: skip
    """Connect an account. The token is read from stdin (or --token-env), never argv."""
    from ..domain.platforms import Platform
    from ..store.accounts import add_account
    from ..store.models import utcnow

    access, refresh = read_tokens(token_env, refresh_token_env)
    expiry = token_expiry(expires_in, expires_at, now=utcnow())
    db, key = database(), cipher()
    account = transaction_seeing_rivals(
        db,
        lambda s: add_account(
            s,
            key,
            workspace_id=workspace_id(s),
            platform=Platform.parse(platform),
            external_id=external_id,
            handle=handle,
            owner=owner,
            server_url=server,
            access_token=access,
            refresh_token=refresh,
            expires_at=expiry,
        ),
        name="accounts add",
    )
    click.echo(f"connected {account.platform}:{account.handle} (id {account.external_id})")


@accounts_group.command("list")
@click.option("--platform", type=PLATFORM_NAMES, default=None)
@click.option("--json", "as_json", is_flag=True)
@user_errors
def list_(platform, as_json):
    """Show accounts: platform, handle, status and token expiry (never a token)."""
    from ..domain.platforms import Platform
    from ..store.accounts import list_accounts

    with database().session() as s:
        views = list_accounts(s, Platform.parse(platform) if platform else None, workspace_id(s))
    if as_json:
        emit_json(
            [
                {
                    "account": v.ref,
                    "platform": v.platform,
                    "handle": v.handle,
                    "external_id": v.external_id,
                    "owner": v.owner,
                    "status": v.status,
                    "token_expires_at": v.token_expires_at,
                }
                for v in views
            ]
        )
        return
    if not views:
        click.echo("no accounts yet: `socialsched accounts add --help`")
        return
    click.echo(f"{'ACCOUNT':32} {'STATUS':16} TOKEN EXPIRES")
    for v in views:
        click.echo(f"{v.ref:32} {v.status:16} {_expiry(v.token_expires_at)}")


def _expiry(when: datetime | None) -> str:
    if when is None:
        return "never"
    from ..store.models import utcnow

    left = when - utcnow()
    suffix = "EXPIRED" if left.total_seconds() <= 0 else f"in {_human(left)}"
    return f"{when:%Y-%m-%d %H:%M} UTC ({suffix})"


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400} d"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{max(seconds // 60, 1)} min"


@accounts_group.command("disable")
@click.argument("account")
@user_errors
def disable(account):
    """Stop publishing to ACCOUNT (platform:handle); its scheduled posts are held."""
    from ..store.accounts import AccountRef, disable_account

    ref = AccountRef.parse(account)
    held = database().transaction(
        lambda s: disable_account(s, ref, workspace_id(s)), name="accounts disable"
    )
    click.echo(f"disabled {ref}; {held} scheduled target(s) held")


@accounts_group.command("enable")
@click.argument("account")
@click.option("--stale-after-s", default=7200.0, show_default=True, type=float,
              help="held posts later than this become missed instead of going out")  # fmt: skip
@user_errors
def enable(account, stale_after_s):
    """Resume publishing to a disabled ACCOUNT (platform:handle); its held posts are released."""
    from ..store.accounts import AccountRef, enable_account

    ref = AccountRef.parse(account)
    db = database()
    now = db.now()
    released, missed = db.transaction(
        lambda s: enable_account(
            s,
            ref,
            now=now,
            stale_before=now - timedelta(seconds=stale_after_s),
            workspace_id=workspace_id(s),
        ),
        name="accounts enable",
    )
    click.echo(f"enabled {ref}; {released} held post(s) released")
    if missed:
        click.echo(f"{missed} held post(s) were past the stale cutoff and are now missed")


@accounts_group.command("reconnect")
@click.argument("account")
@click.option(
    "--expires-in",
    type=click.IntRange(1, 10 * 365 * 86400),
    default=None,
    help="token lifetime in seconds",
)
@click.option("--expires-at", default=None, help="token expiry, ISO 8601")
@click.option("--token-env", default=None, help="read the access token from this env var")
@click.option("--refresh-token-env", default=None, help="read the refresh token from this env var")
@click.option("--stale-after-s", default=7200.0, show_default=True, type=float,
              help="held posts later than this become missed instead of going out")  # fmt: skip
@user_errors
def reconnect(account, expires_in, expires_at, token_env, refresh_token_env, stale_after_s):
    """Give ACCOUNT (platform:handle) a new token, reactivate it, release its held posts."""
    from ..store.accounts import AccountRef, get_account
    from ..store.models import utcnow
    from ..store.tokens import reconnect as reconnect_account

    ref = AccountRef.parse(account)
    access, refresh = read_tokens(token_env, refresh_token_env)
    now = utcnow()
    expiry = token_expiry(expires_in, expires_at, now=now)
    key = cipher()

    def work(s):
        return reconnect_account(
            s, key, get_account(s, ref, workspace_id(s)), access_token=access,
            refresh_token=refresh,
            expires_at=expiry, now=now, stale_before=now - timedelta(seconds=stale_after_s),
        )  # fmt: skip

    released, missed = database().transaction(work, name="accounts reconnect")
    click.echo(f"reconnected {ref}; {released} held post(s) released")
    if missed:
        click.echo(f"{missed} held post(s) were past the stale cutoff and are now missed")


@accounts_group.command("new-key")
def new_key_cmd():
    """Print a new token encryption key for SOCIALSCHED_TOKEN_KEY."""
    from ..security.token_cipher import new_key

    click.echo(new_key())


@accounts_group.command("rotate-key")
@user_errors
def rotate_key():
    """Re-encrypt every token under the first key of SOCIALSCHED_TOKEN_KEY."""
    from ..store.accounts import rotate_token_encryption

    key = cipher()
    tokens, others = database().transaction(
        lambda s: rotate_token_encryption(s, key), name="rotate-key"
    )
    click.echo(
        f"re-encrypted {tokens} token(s) and {others} other secret(s) (signing, webhook and "
        "OAuth app secrets) under the primary key"
    )
