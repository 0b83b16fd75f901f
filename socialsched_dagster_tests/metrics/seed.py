"""A small, known history in the app database, written through the store API, so that every
number the exporter reports can be predicted exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.intake.post_request import PostRequest
from socialsched_dagster.security.token_cipher import TokenCipher
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.models import Account, PostTarget, PublishAttempt
from socialsched_dagster.store.posts import insert_posts

IMAGE = Media.parse("https://cdn.example.com/a.jpg")
IG_EXTERNAL = "17841400000000501"
MIN, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class T:
    """One target: its status, its due time, when it was published, and its attempts as
    (outcome, finished_at, latency_ms)."""

    status: str
    due_at: datetime
    published_at: datetime | None = None
    attempts: tuple[tuple[str, datetime, int], ...] = ()


def published(now: datetime, late_s: float, latency_ms: int, ago: timedelta = 10 * MIN) -> T:
    at = now - ago
    return T("published", at - timedelta(seconds=late_s), at, (("published", at, latency_ms),))


def history(now: datetime) -> dict[Platform, list[T]]:
    failed = ("failed", now - 20 * MIN, 50)
    return {
        Platform.INSTAGRAM: [
            # Published in the last hour, late by 2, 4, 6, 8 and 100 s.
            *(published(now, late, ms) for late, ms in zip(LATE, LATENCY_MS, strict=True)),
            published(now, 5000, 400, ago=3 * HOUR),  # in the 24 h latency, not the lateness
            T("failed", now - HOUR, attempts=(failed,)),
            T("failed", now - HOUR, attempts=(failed,)),
            T("scheduled", now - HOUR, attempts=(("retry", now - 2 * DAY, 5000),)),  # > 24 h
            T("scheduled", now + DAY),
        ],
        # Finished 2 minutes ago: inside the exporter's settle window, counted as "recent".
        Platform.FACEBOOK: [published(now, 30, 400, ago=2 * MIN)],
        Platform.YOUTUBE: [T("held", now + HOUR)],
    }


LATE = (2, 4, 6, 8, 100)
LATENCY_MS = (150, 300, 800, 1500, 20_000)


def seed(db: Database, cipher: TokenCipher, now: datetime) -> dict[str, int]:
    """Accounts (with token expiries) and the history above; returns account ids by handle."""
    with db.session() as s, s.begin():
        ids = accounts(s, cipher, now)
        for platform, targets in history(now).items():
            for n, target in enumerate(targets):
                add_target(s, ids[platform.value], target, f"{platform.value}-{n}")
    return ids


def accounts(s: Session, cipher: TokenCipher, now: datetime) -> dict[str, int]:
    specs = [
        (Platform.INSTAGRAM, IG_EXTERNAL, "instagram", now + 3 * DAY),
        (Platform.FACEBOOK, "100000000000501", "facebook", now + HOUR),
        (Platform.YOUTUBE, "UCmetrics0000000000501", "youtube", None),  # never expires
        # Disabled, with an expired token: not an active account's, so not reported.
        (Platform.INSTAGRAM, "17841400000000502", "ig_disabled", now - DAY),
    ]
    ids = {}
    for platform, external_id, handle, expires_at in specs:
        account = add_account(
            s,
            cipher,
            platform=platform,
            external_id=external_id,
            handle=handle,
            access_token="token",
            expires_at=expires_at,
        )
        ids[handle] = account.id
    s.execute(update(Account).where(Account.handle == "ig_disabled").values(status="disabled"))
    return ids


def add_target(s: Session, account_id: int, target: T, ref: str) -> int:
    request = PostRequest(
        content=PostContent(text=ref, media=(IMAGE,)),
        scheduled_at=target.due_at,
        timezone="UTC",
        account_ids=(account_id,),
        held_account_ids=frozenset(),
        owner=None,
        external_ref=ref,
    )
    [post_id] = insert_posts(s, [request])
    target_id = s.scalar(select(PostTarget.id).where(PostTarget.post_id == post_id))
    s.execute(
        update(PostTarget)
        .where(PostTarget.id == target_id)
        .values(status=target.status, published_at=target.published_at)
    )
    for outcome, finished_at, latency_ms in target.attempts:
        add_attempt(s, target_id, outcome, finished_at, latency_ms)
    return target_id


def add_attempt(
    s: Session, target_id: int, outcome: str, finished_at: datetime, latency_ms: int
) -> None:
    s.add(
        PublishAttempt(
            target_id=target_id,
            run_id="metrics-test",
            started_at=finished_at - timedelta(milliseconds=latency_ms),
            finished_at=finished_at,
            outcome=outcome,
            latency_ms=latency_ms,
        )
    )
