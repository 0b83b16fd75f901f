"""Publishing outcomes as events, found after the fact: the publish path is not touched.

Every change of a target's status stamps `updated_at` (store/transitions.py; the record of a
publish writes the outcome and its attempt in one transaction). The watcher reads the targets
of listening workspaces whose status is an outcome (published, failed, missed, held) and whose
`updated_at` falls within a lookback window, and emits one event per outcome with a key that
every process computes alike for the same outcome, so ticks that overlap, and two watchers at
once, make one event (events.emit).

The window (10 minutes) is far longer than any transaction: a commit that lands after a later
one, stamped with a time before the previous tick, is still inside it at the next tick.

What makes an outcome "the same" (the dedupe key):
- published: the target (it is final);
- failed, missed, held: the target, the status, how many publish attempts it has had (an
  append-only count: `posts retry` resets the target's own counter, not the attempt log) and
  the error it carries. A target that fails again after a retry has made another attempt, so
  its second failure is a new event; a post edited while failed or held keeps its key (an edit
  stamps `updated_at` too). A target held, released and held again for the same reason without
  any attempt in between is announced once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from ..store.models import Account, Post, PostTarget, PublishAttempt, WebhookEvent
from .events import emit, listening_workspaces

S = TargetStatus
LOOKBACK = timedelta(minutes=10)
OUTCOME_EVENTS = {
    S.PUBLISHED.value: "post.published",
    S.FAILED.value: "post.failed",
    S.MISSED.value: "post.missed",
    S.HELD.value: "post.held",
}
_KEY_BATCH = 500


@dataclass(frozen=True)
class Outcome:
    workspace_id: int
    kind: str
    dedupe_key: str
    post_id: int
    target_id: int
    payload: dict


def dedupe_key(kind: str, target: PostTarget, attempts_made: int) -> str:
    if kind == "post.published":
        return f"{kind}:t{target.id}"
    error = "\x1f".join(
        part or "" for part in (target.error_kind, target.error_code, target.error_message)
    )
    digest = hashlib.sha256(error.encode()).hexdigest()[:16]
    return f"{kind}:t{target.id}:a{attempts_made}:{digest}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def payload(target: PostTarget, account: str) -> dict:
    error = None
    if target.error_kind or target.error_code or target.error_message:
        error = {
            "kind": target.error_kind,
            "code": target.error_code,
            "message": target.error_message,
        }
    return {
        "post_id": target.post_id,
        "target_id": target.id,
        "account": account,
        "platform": target.platform,
        "status": target.status,
        "due_at": _iso(target.due_at),
        "published_at": _iso(target.published_at),
        "external_post_id": target.external_post_id,
        "attempts": target.attempts,
        "error": error,
    }


def recent_outcomes(
    session: Session, *, now: datetime, lookback: timedelta = LOOKBACK
) -> list[Outcome]:
    """Outcomes in the window for workspaces with an active webhook wanting them."""
    wanted = listening_workspaces(session)
    statuses = [s for s, kind in OUTCOME_EVENTS.items() if any(kind in k for k in wanted.values())]
    if not statuses:
        return []
    attempts_made = (
        select(func.count())
        .where(PublishAttempt.target_id == PostTarget.id)
        .correlate(PostTarget)
        .scalar_subquery()
    )
    # One statement, so a target and its attempt count are read from one snapshot.
    rows = session.execute(
        select(PostTarget, Post.workspace_id, Account.platform, Account.handle, attempts_made)
        .join(Post, Post.id == PostTarget.post_id)
        .join(Account, Account.id == PostTarget.account_id)
        .where(
            PostTarget.updated_at >= now - lookback,  # ix_post_targets_updated_at
            PostTarget.status.in_(statuses),
            Post.workspace_id.in_(list(wanted)),
        )
        .order_by(PostTarget.updated_at, PostTarget.id)
    )
    found = []
    for target, workspace_id, platform, handle, made in rows:
        kind = OUTCOME_EVENTS[target.status]
        if kind not in wanted[workspace_id]:
            continue
        found.append(
            Outcome(
                workspace_id,
                kind,
                dedupe_key(kind, target, made),
                target.post_id,
                target.id,
                payload(target, f"{platform}:{handle}"),
            )
        )
    return found


def announce_outcomes(session: Session, *, now: datetime, lookback: timedelta = LOOKBACK) -> int:
    """Emit the outcomes not announced yet; returns how many events this call wrote."""
    outcomes = recent_outcomes(session, now=now, lookback=lookback)
    known: set[str] = set()
    keys = [o.dedupe_key for o in outcomes]
    for start in range(0, len(keys), _KEY_BATCH):
        chunk = keys[start : start + _KEY_BATCH]
        known.update(
            session.scalars(
                select(WebhookEvent.dedupe_key).where(WebhookEvent.dedupe_key.in_(chunk))
            )
        )
    written = 0
    for outcome in outcomes:
        if outcome.dedupe_key in known:
            continue
        event_id = emit(
            session,
            outcome.workspace_id,
            outcome.kind,
            dedupe_key=outcome.dedupe_key,
            payload=outcome.payload,
            post_id=outcome.post_id,
            target_id=outcome.target_id,
            now=now,
        )
        written += event_id is not None
    return written
