"""Engagement of recently published posts, one row per post, with totals per platform.

Tokens are decrypted per account for the calls and never leave this function: rows carry ids,
counts and the (already redacted) platform error, nothing secret. The database session is
closed before the first HTTP call, so a slow platform never holds a pooled connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select

from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from ..domain.states import TargetStatus
from ..platforms.insights import Engagement
from ..security.token_cipher import TokenCipher, TokenKeyError
from ..store.database import Database
from ..store.models import Account, PostTarget
from ..store.tokens import read_secrets

# (platform, account external id, access token, external post ids) -> id -> result
Fetch = Callable[[Platform, str, str, list[str]], dict[str, Engagement | PublishError]]
COUNTS = ["likes", "comments", "views", "shares"]
COLUMNS = [
    "platform", "account", "account_id", "target_id", "external_post_id", "published_at",
    *COUNTS, "error_kind", "error_code", "error",
]  # fmt: skip


_POST_COLUMNS = (
    PostTarget.id, PostTarget.platform, PostTarget.account_id, Account.external_id,
    Account.handle, PostTarget.external_post_id, PostTarget.published_at,
)  # fmt: skip


@dataclass(frozen=True)
class PublishedPost:
    target_id: int
    platform: str
    account_id: int
    account_external_id: str
    handle: str
    external_post_id: str
    published_at: datetime


def published_posts(db: Database, since: datetime, max_posts: int) -> list[PublishedPost]:
    """The newest `max_posts` targets published since `since` that have a platform id."""
    with db.session() as s:
        rows = s.execute(
            select(*_POST_COLUMNS)
            .join(Account, Account.id == PostTarget.account_id)
            .where(
                PostTarget.status == TargetStatus.PUBLISHED.value,
                PostTarget.published_at >= since,
                PostTarget.external_post_id.is_not(None),
            )
            .order_by(PostTarget.published_at.desc(), PostTarget.id.desc())
            .limit(max_posts)
        ).all()
    return [PublishedPost(*row) for row in rows]


def collect_insights(
    db: Database, cipher: TokenCipher, fetch: Fetch, posts: Iterable[PublishedPost]
) -> pd.DataFrame:
    by_account: dict[int, list[PublishedPost]] = {}
    for post in posts:
        by_account.setdefault(post.account_id, []).append(post)
    tokens = _access_tokens(db, cipher, by_account)
    rows = []
    for account_id, account_posts in sorted(by_account.items()):
        first = account_posts[0]
        token = tokens[account_id]
        if isinstance(token, PublishError):
            results: dict = {p.external_post_id: token for p in account_posts}
        else:
            ids = [p.external_post_id for p in account_posts]
            results = fetch(Platform(first.platform), first.account_external_id, token, ids)
        rows.extend(_row(post, results.get(post.external_post_id)) for post in account_posts)
    table = pd.DataFrame(rows, columns=COLUMNS)
    for name in COUNTS:  # nullable integers: "not reported" stays empty instead of NaN floats
        table[name] = table[name].astype("Int64")
    return table.sort_values(["platform", "account", "published_at"], ignore_index=True)


def _access_tokens(
    db: Database, cipher: TokenCipher, accounts: Iterable[int]
) -> dict[int, str | PublishError]:
    out: dict[int, str | PublishError] = {}
    with db.session() as s:
        for account_id in accounts:
            try:
                out[account_id] = read_secrets(s, cipher, account_id).access_token
            except (LookupError, TokenKeyError) as exc:
                # One account without a readable token must not cost the others their rows.
                out[account_id] = PublishError(ErrorKind.AUTH_EXPIRED, f"no usable token: {exc}")
    return out


def _row(post: PublishedPost, outcome: Engagement | PublishError | None) -> dict:
    row = {
        "platform": post.platform,
        "account": post.handle,
        "account_id": post.account_id,
        "target_id": post.target_id,
        "external_post_id": post.external_post_id,
        "published_at": pd.Timestamp(post.published_at),
        **dict.fromkeys(COUNTS),
        "error_kind": None,
        "error_code": None,
        "error": None,
    }
    if isinstance(outcome, Engagement):
        row.update({name: getattr(outcome, name) for name in COUNTS})
    elif isinstance(outcome, PublishError):
        row.update(error_kind=outcome.kind.value, error_code=outcome.code, error=outcome.message)
    else:  # the fetcher skipped the id: a bug, but the row must still say so
        row.update(error_kind="unknown", error="no result returned for this post")
    return row


def totals_by_platform(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for platform, rows in table.groupby("platform", sort=True):
        ok = rows["error_kind"].isna()
        out[str(platform)] = {
            "posts": len(rows),
            "reported": int(ok.sum()),
            "errors": int((~ok).sum()),
            **{name: int(rows[name].sum(skipna=True)) for name in COUNTS},
        }
    return out
