"""Loading what a claimed target needs for the platform call: content, account, token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.content import Media, MediaKind, PostContent
from ..domain.platforms import Platform
from ..platforms.base import PublishJob
from ..security.token_cipher import TokenCipher
from ..store.models import Account, OAuthToken, Post, PostTarget
from ..store.publishing import Claim


@dataclass(frozen=True)
class JobContext:
    job: PublishJob
    account_status: str
    handle: str
    token_version: int | None  # changes only with the token: tells a refresh it was done
    # A thread's segments that went out, as the database has them now (never the claim's
    # copy: a refresh-and-retry reloads after segments went out in the same attempt).
    segment_ids: tuple[str, ...] = ()


def _media(items: list[dict]) -> tuple[Media, ...]:
    return tuple(Media(m["url"], MediaKind(m["kind"])) for m in items)


def load_job(session: Session, cipher: TokenCipher, claim: Claim, platform: Platform) -> JobContext:
    # One round trip for the rows: this runs once per target, on the hot path.
    post, account, token, segment_ids = session.execute(
        select(Post, Account, OAuthToken, PostTarget.segment_ids)
        .select_from(Post)
        .join(Account, Account.id == claim.account_id)
        .join(PostTarget, PostTarget.id == claim.target_id)
        .outerjoin(OAuthToken, OAuthToken.account_id == Account.id)
        .where(Post.id == claim.post_id)
    ).one()
    content = PostContent(
        text=post.text,
        title=post.title,
        description=post.description,
        link=post.link,
        media=_media(post.media),
        thread=tuple(
            PostContent(text=seg.get("text", ""), media=_media(seg.get("media") or []))
            for seg in post.thread or ()
        ),
    )
    job = PublishJob(
        target_id=claim.target_id,
        platform=platform,
        account_external_id=account.external_id,
        access_token=cipher.decrypt(token.access_token_enc) if token else "",
        content=content,
        container_id=claim.container_id,
        server_url=account.server_url,
    )
    return JobContext(
        job=job,
        account_status=account.status,
        handle=account.handle,
        token_version=token.version if token else None,
        segment_ids=tuple(segment_ids or ()),
    )
