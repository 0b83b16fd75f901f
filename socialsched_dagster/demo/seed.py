"""Demo data: one account per platform and posts due over the next minutes.

Idempotent per minute: running the demo twice in the same minute seeds nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..domain.platforms import Platform
from ..domain.post_requests import PostRequest
from ..platforms.registry import spec, specs
from ..security.token_cipher import TokenCipher
from ..store.accounts import add_account
from ..store.database import Database
from ..store.models import Account, utcnow
from ..store.posts import existing_refs, insert_posts


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None


@dataclass(frozen=True)
class DemoAccount:
    platform: Platform
    external_id: str
    handle: str
    token_ttl: timedelta | None
    refresh_token: bool = False  # the sandbox also mints a refresh token for it


def demo_accounts() -> list[DemoAccount]:
    """One account per platform, as each platform's spec describes a typical one."""
    out = []
    for each in specs():
        if each.samples is None:
            raise RuntimeError(f"{each.title}'s spec has no samples for the demo")
        ttl = each.samples.token_lifetime_s
        out.append(
            DemoAccount(
                each.platform,
                each.samples.external_id,
                each.samples.handle,
                timedelta(seconds=ttl) if ttl else None,
                each.samples.refresh_token,
            )
        )
    return out


# The demo's media are on hosts that serve nothing: the demo names them stand-ins in the
# environment of the processes it starts (SOCIALSCHED_MEDIA_STAND_IN_HOSTS), so they are never
# fetched. Production code knows no host by name.
STAND_IN_MEDIA_HOSTS = "socialsched.dev"
_MEDIA_HOST = "media.socialsched.dev"


def _placeholder_token(demo: DemoAccount) -> IssuedToken:
    ttl = int(demo.token_ttl.total_seconds()) if demo.token_ttl else None
    return IssuedToken(
        f"demo-token-{demo.platform.value}", f"demo-refresh-{demo.platform.value}", ttl
    )


def replace_token(session, cipher, account: Account, issued: IssuedToken, expires_at) -> None:
    token = account.token
    token.access_token_enc = cipher.encrypt(issued.access_token)
    if issued.refresh_token:
        token.refresh_token_enc = cipher.encrypt(issued.refresh_token)
    token.expires_at = expires_at
    token.issued_at = utcnow()
    account.status = "active"


def seed_demo(
    db: Database,
    cipher: TokenCipher,
    *,
    posts_per_platform: int = 4,
    first_in: timedelta = timedelta(minutes=2),
    spacing: timedelta = timedelta(minutes=1),
    token_for: Callable[[DemoAccount], IssuedToken] | None = None,
    server_url: str = "http://127.0.0.1:8787",  # where `socialsched sandbox serve` listens
) -> dict[str, int]:
    """Create the demo accounts if missing (with fresh tokens from `token_for`, e.g. minted by
    the sandbox, replacing older ones) and schedule new demo posts. Accounts of platforms that
    live on a server of their own get `server_url` (the sandbox's). Returns counts."""
    token_for = token_for or _placeholder_token
    now = utcnow().replace(second=0, microsecond=0)

    def work(session):
        accounts = {}
        for demo in demo_accounts():
            account = session.scalar(
                select(Account).where(
                    Account.platform == demo.platform.value, Account.handle == demo.handle
                )
            )
            issued = token_for(demo)
            expires_at = (
                utcnow() + timedelta(seconds=issued.expires_in) if issued.expires_in else None
            )
            if account is None:
                account = add_account(
                    session,
                    cipher,
                    platform=demo.platform,
                    external_id=demo.external_id,
                    handle=demo.handle,
                    owner="demo",
                    server_url=server_url if spec(demo.platform).needs_server else None,
                    access_token=issued.access_token,
                    refresh_token=issued.refresh_token,
                    expires_at=expires_at,
                )
            else:
                replace_token(session, cipher, account, issued, expires_at)
            accounts[demo.platform] = account
        requests = [
            PostRequest(
                content=spec(platform).samples.content(n + 1, _MEDIA_HOST),
                scheduled_at=now + first_in + n * spacing,
                timezone="UTC",
                account_ids=(account.id,),
                held_account_ids=frozenset(),
                owner="demo",
                external_ref=f"demo:{now:%Y%m%dT%H%M}:{platform.value}:{n}",
            )
            for platform, account in accounts.items()
            for n in range(posts_per_platform)
        ]
        seen = existing_refs(session, [r.external_ref for r in requests])
        fresh = [r for r in requests if r.external_ref not in seen]
        insert_posts(session, fresh)
        return {"accounts": len(accounts), "posts": len(fresh)}

    return db.transaction(work, name="seed demo")
