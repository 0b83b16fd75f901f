"""A post waiting for approval is never published, however long it is due; approved, it goes
out once like any other."""

from __future__ import annotations

from datetime import timedelta

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.teams.api_keys import Identity
from socialsched_dagster.teams.post_changes import approve_post, reject_post
from socialsched_dagster.teams.roles import Role

from .conftest import _content
from .inprocess import window_run

FB = Platform.FACEBOOK
APPROVER = Identity(1, 1, "default", Role.APPROVER, "key:lead#1")


def _pending(world, count: int) -> list[int]:
    from socialsched_dagster.domain.post_requests import PostRequest

    due = utcnow() + timedelta(seconds=2)
    world.last_due = due
    requests = [
        PostRequest(_content(FB, i), due, "UTC", (world.account_ids[FB],), frozenset(), None,
                    f"pending-{due.timestamp()}-{i}")
        for i in range(count)
    ]  # fmt: skip
    return world.db.transaction(lambda s: insert_posts(s, requests, pending_approval=True))


def _statuses(world, post_ids) -> list[str]:
    with world.db.session() as s:
        return [
            s.query(PostTarget.status).filter(PostTarget.post_id == pid).scalar()
            for pid in post_ids
        ]


def test_a_run_over_the_window_leaves_pending_and_rejected_posts_alone(world):
    waiting, rejected = _pending(world, 2)
    world.db.transaction(
        lambda s: reject_post(s, APPROVER, rejected, comment="off-brand", now=utcnow())
    )
    window_run(world, FB).run()
    assert world.ledger() == []
    assert _statuses(world, [waiting, rejected]) == ["pending_approval", "rejected"]


def test_once_approved_a_post_is_published_exactly_once(world):
    [post_id] = _pending(world, 1)
    world.db.transaction(
        lambda s: approve_post(s, APPROVER, post_id, scheduled_at=None, timezone=None,
                               now=utcnow())
    )  # fmt: skip
    window_run(world, FB).run()
    window_run(world, FB, run_id="run-2").run()
    assert _statuses(world, [post_id]) == ["published"]
    assert len(world.ledger()) == 1
