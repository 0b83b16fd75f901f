"""Which outcomes the watcher announces: one event per outcome however often it looks, a new
one when a retried target fails again, none for an edit, nothing outside the lookback window,
nothing for a workspace whose webhooks do not want it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.intake.post_request import PostRequest
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import (
    PostTarget,
    PublishAttempt,
    WebhookDelivery,
    WebhookEvent,
    utcnow,
)
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.teams.workspaces import add_workspace
from socialsched_dagster.webhooks.watcher import announce_outcomes

from .conftest import add_hook


def _world(db, cipher):
    def work(s):
        other = add_workspace(s, "quiet")
        ids = {}
        for workspace_id, suffix in ((1, "1"), (other.id, "2")):
            account = add_account(
                s, cipher, platform=Platform.MASTODON, external_id=f"9{suffix}",
                handle=f"toots{suffix}", server_url="https://mastodon.example",
                access_token="t", workspace_id=workspace_id,
            )  # fmt: skip
            due = utcnow() + timedelta(hours=1)
            request = PostRequest(
                PostContent(text=f"hello {suffix}"), due, "UTC", (account.id,), frozenset(),
                None, f"watcher-{suffix}",
            )  # fmt: skip
            [post_id] = insert_posts(s, [request], workspace_id=workspace_id)
            ids[workspace_id] = s.scalar(select(PostTarget.id).where(PostTarget.post_id == post_id))
        return ids, other.id

    return db.transaction(work)


def _fail(db, target_id: int, message: str = "refused") -> None:
    """What a publish that failed for good writes: the outcome and its attempt, together."""

    def work(s):
        now = utcnow()
        s.execute(
            update(PostTarget)
            .where(PostTarget.id == target_id)
            .values(status="failed", error_kind="invalid_request", error_message=message,
                    updated_at=now)
        )  # fmt: skip
        s.add(PublishAttempt(target_id=target_id, started_at=now, finished_at=now,
                             outcome="failed", message=message))  # fmt: skip

    db.transaction(work)


def _events(db) -> list[WebhookEvent]:
    with db.session() as s:
        return list(s.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def _announce(db, **kw) -> int:
    return db.transaction(lambda s: announce_outcomes(s, now=db.now(), **kw))


def test_an_outcome_is_one_event_however_often_and_by_however_many_it_is_seen(db, cipher):
    targets, quiet = _world(db, cipher)
    add_hook(db, cipher, "http://127.0.0.1:9/hook", events=["post.failed"])
    _fail(db, targets[1])
    _fail(db, targets[quiet])  # no webhook in that workspace: not announced
    watchers = [threading.Thread(target=_announce, args=(db,)) for _ in range(3)]
    for w in watchers:
        w.start()
    for w in watchers:
        w.join(30)
    assert _announce(db) == 0
    [event] = _events(db)
    assert (event.kind, event.target_id, event.workspace_id) == ("post.failed", targets[1], 1)
    with db.session() as s:
        assert s.scalar(select(WebhookDelivery.event_id)) == event.id  # one delivery, fanned out


def test_a_retried_target_that_fails_again_is_a_new_event_and_an_edit_is_not(db, cipher):
    targets, _ = _world(db, cipher)
    add_hook(db, cipher, "http://127.0.0.1:9/hook")
    _fail(db, targets[1])
    assert _announce(db) == 1
    db.transaction(  # edited while failed: updated_at moves, the outcome does not
        lambda s: s.execute(
            update(PostTarget).where(PostTarget.id == targets[1]).values(updated_at=utcnow())
        )
    )
    assert _announce(db) == 0
    db.transaction(  # `posts retry` resets the target's own counter
        lambda s: s.execute(
            update(PostTarget)
            .where(PostTarget.id == targets[1])
            .values(status="scheduled", attempts=0, error_kind=None, error_message=None)
        )
    )
    _fail(db, targets[1])
    assert _announce(db) == 1
    assert [e.kind for e in _events(db)] == ["post.failed", "post.failed"]


def test_outcomes_outside_the_window_or_not_subscribed_are_not_announced(db, cipher):
    targets, _ = _world(db, cipher)
    hook = add_hook(db, cipher, "http://127.0.0.1:9/hook", events=["post.published"])
    _fail(db, targets[1])
    assert _announce(db) == 0  # the webhook wants publications only
    db.transaction(
        lambda s: s.execute(
            update(PostTarget)
            .where(PostTarget.id == targets[1])
            .values(status="published", external_post_id="111", published_at=utcnow(),
                    updated_at=utcnow() - timedelta(minutes=11))
        )
    )  # fmt: skip
    assert _announce(db) == 0  # before the lookback window: old news
    assert _announce(db, lookback=timedelta(minutes=15)) == 1
    assert hook.id and [e.kind for e in _events(db)] == ["post.published"]
