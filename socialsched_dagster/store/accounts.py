"""Accounts and their tokens: what the CLI and the pipeline read and change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.field_limits import MAX_OWNER
from ..domain.handles import clean_external_id, clean_handle, handle_key, has_control
from ..domain.platforms import Platform
from ..domain.states import AccountStatus, TargetStatus
from ..security.token_cipher import TokenCipher
from .models import DEFAULT_WORKSPACE_ID, Account, OAuthToken, PostTarget, utcnow
from .tokens import release_held
from .transitions import move


class AccountError(ValueError):
    pass


class AccountNotFound(AccountError):
    """No such account in this workspace (the API answers 404)."""


@dataclass(frozen=True)
class AccountRef:
    """`instagram:acme_shop` — how people name an account on the command line and in CSVs."""

    platform: Platform
    handle: str

    @classmethod
    def parse(cls, text: str) -> AccountRef:
        platform, sep, handle = text.strip().partition(":")
        if not sep or not handle.strip():
            raise AccountError(
                f"account {text!r} must be written platform:handle, e.g. instagram:acme"
            )
        return cls(Platform.parse(platform), handle.strip().lstrip("@"))

    @property
    def key(self) -> str:
        return handle_key(self.handle)

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.handle}"


@dataclass(frozen=True)
class AccountView:
    """What may be shown of an account: never a token."""

    id: int
    platform: str
    handle: str
    external_id: str
    owner: str | None
    status: str
    token_expires_at: datetime | None

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.handle}"


def add_account(
    session: Session,
    cipher: TokenCipher,
    *,
    platform: Platform,
    external_id: str,
    handle: str,
    access_token: str,
    refresh_token: str | None = None,
    expires_at: datetime | None = None,
    owner: str | None = None,
    server_url: str | None = None,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> Account:
    try:
        handle = clean_handle(handle)
        external_id = clean_external_id(external_id)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    owner = clean_owner(owner)
    server_url = clean_server(platform, server_url)
    if not access_token.strip():
        raise AccountError("the access token is empty")
    clash = session.scalar(
        select(Account).where(
            Account.platform == platform.value,
            ((Account.handle_key == handle_key(handle)) & (Account.workspace_id == workspace_id))
            | (Account.external_id == external_id),
        )
    )
    if clash is not None and clash.workspace_id != workspace_id:
        # One platform account has one publisher. Its handle there, its owner and which
        # workspace holds it are not this workspace's to know.
        raise AccountError(
            f"this {platform.value} account (id {external_id}) is connected in another "
            "workspace: one account is published to from one workspace only"
        )
    if clash is not None:
        raise AccountError(
            f"{platform.value} account {clash.handle} (id {clash.external_id}) already exists; "
            "use `socialsched accounts reconnect` to give it a new token"
        )
    account = Account(
        workspace_id=workspace_id,
        platform=platform.value,
        external_id=external_id,
        handle=handle,
        handle_key=handle_key(handle),
        owner=owner,
        server_url=server_url,
        status=AccountStatus.ACTIVE.value,
    )
    account.token = OAuthToken(
        access_token_enc=cipher.encrypt(access_token.strip()),
        refresh_token_enc=cipher.encrypt(refresh_token.strip()) if refresh_token else None,
        expires_at=expires_at,
        issued_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def clean_owner(owner: str | None) -> str | None:
    """An account's or a post's owner label: optional, bounded, printable."""
    owner = (owner or "").strip()
    if has_control(owner):
        raise AccountError(f"owner {owner!r} contains a control character")
    if len(owner) > MAX_OWNER:
        raise AccountError(f"the owner is {len(owner)} characters, at most {MAX_OWNER}")
    return owner or None


def clean_server(platform: Platform, server_url: str | None) -> str | None:
    """The account's server, required exactly where its platform lets the user choose one."""
    from ..domain.web_urls import web_url_problem
    from ..platforms.registry import spec

    server_url = (server_url or "").strip().rstrip("/")
    needs = spec(platform).needs_server
    if needs and not server_url:
        raise AccountError(
            f"a {spec(platform).title} account lives on a server of its own: give --server "
            "with its URL (the Mastodon instance, the Bluesky PDS such as https://bsky.social)"
        )
    if not needs and server_url:
        raise AccountError(f"{spec(platform).title} has one API host: drop --server")
    if server_url:
        problem = web_url_problem(server_url)
        if problem:
            raise AccountError(f"server {server_url!r} {problem}")
    return server_url or None


def get_account(
    session: Session, ref: AccountRef, workspace_id: int = DEFAULT_WORKSPACE_ID
) -> Account:
    account = session.scalar(
        select(Account).where(
            Account.workspace_id == workspace_id,
            Account.platform == ref.platform.value,
            Account.handle_key == ref.key,
        )
    )
    if account is None:
        raise AccountNotFound(f"no account {ref}; `socialsched accounts list` shows the known ones")
    return account


def list_accounts(
    session: Session, platform: Platform | None = None, workspace_id: int = DEFAULT_WORKSPACE_ID
) -> list[AccountView]:
    query = (
        select(Account, OAuthToken.expires_at)
        .outerjoin(OAuthToken, OAuthToken.account_id == Account.id)
        .where(Account.workspace_id == workspace_id)
        .order_by(Account.platform, Account.handle)
    )
    if platform is not None:
        query = query.where(Account.platform == platform.value)
    return [
        AccountView(a.id, a.platform, a.handle, a.external_id, a.owner, a.status, expires)
        for a, expires in session.execute(query)
    ]


def disable_account(
    session: Session, ref: AccountRef, workspace_id: int = DEFAULT_WORKSPACE_ID
) -> int:
    """Disable an account and hold its scheduled targets (reversible, unlike cancelling them).

    Returns how many targets are now held.
    """
    account = get_account(session, ref, workspace_id)
    account.status = AccountStatus.DISABLED.value
    held = session.execute(
        move(
            TargetStatus.HELD, from_=[TargetStatus.SCHEDULED],
            where=[PostTarget.account_id == account.id],
            error_message="account disabled", updated_at=utcnow(),
        )
    )  # fmt: skip
    return held.rowcount or 0


def enable_account(
    session: Session,
    ref: AccountRef,
    *,
    now: datetime,
    stale_before: datetime,
    workspace_id: int = DEFAULT_WORKSPACE_ID,
) -> tuple[int, int]:
    """Undo `disable`: the account is active again and its held targets are released (stale
    ones become missed). Returns (released, missed). An account waiting for re-authorisation
    is not enabled: it needs a new token (`accounts reconnect`)."""
    account = get_account(session, ref, workspace_id)
    if account.status == AccountStatus.REAUTH_REQUIRED.value:
        raise AccountError(
            f"{ref} needs re-authorisation, not enabling: connect it again with "
            f"`socialsched accounts reconnect {ref}`"
        )
    if account.status == AccountStatus.ACTIVE.value:
        raise AccountError(f"{ref} is already active; nothing to enable")
    account.status = AccountStatus.ACTIVE.value
    account.updated_at = now
    return release_held(session, account.id, now=now, stale_before=stale_before)


def rotate_token_encryption(session: Session, cipher: TokenCipher) -> tuple[int, int]:
    """Re-encrypt every stored secret under the primary key: the accounts' tokens, and the
    API's (request-signing secrets, webhook secrets, OAuth verifiers and app secrets), so the
    old key can be dropped without leaving any of them unreadable. Returns (tokens, others)."""
    from .models import ApiKey, OAuthClient, OAuthState, Webhook

    tokens = session.scalars(select(OAuthToken)).all()
    for token in tokens:
        token.access_token_enc = cipher.rotate(token.access_token_enc)
        if token.refresh_token_enc:
            token.refresh_token_enc = cipher.rotate(token.refresh_token_enc)
    others = 0
    for model, column in (
        (ApiKey, "signing_secret_enc"),
        (Webhook, "secret_enc"),
        (OAuthState, "verifier_enc"),
        (OAuthClient, "client_secret_enc"),
    ):
        for row in session.scalars(select(model).where(getattr(model, column).is_not(None))):
            setattr(row, column, cipher.rotate(getattr(row, column)))
            others += 1
    return len(tokens), others
