"""Mastodon through the real publishing job (executed in process: the point is the publishing, not
the process), on both databases: with 30 % of the status POSTs' answers
lost after the commit, every post is published exactly once (the sandbox's ledger says so); a
revoked token, which nothing can renew, holds the account for a reconnect."""

from __future__ import annotations

import time
from datetime import timedelta

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.errors import ErrorKind
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import Account, PublishAttempt, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster_tests.pipeline.inprocess import execute_window

from .helpers import ACCOUNT, P

POSTS = 20


def _content(i: int) -> PostContent:
    text = f"toot {i} at {time.time()} #sandbox"
    if i % 5 == 1:
        return PostContent(
            text=text, media=(Media(f"https://cdn.example.com/{i}.png", MediaKind.IMAGE),)
        )
    if i % 5 == 2:
        return PostContent(
            text=text, media=(Media(f"https://cdn.example.com/{i}.mp4", MediaKind.VIDEO),)
        )
    if i % 5 == 3:
        return PostContent(text=text, link=f"https://example.com/read/{i}")
    return PostContent(text=text)


def mastodon_account(world, cipher) -> int:
    sandbox = world.sandbox
    issued = sandbox.control.mint_token(P.value, ACCOUNT, expires_in=None)

    def add(s):
        return add_account(
            s,
            cipher,
            platform=P,
            external_id=ACCOUNT,
            handle="test_mastodon",
            access_token=issued["access_token"],
            server_url=sandbox.base_url,
        ).id

    return world.db.transaction(add)


def schedule(world, account_id: int, count: int) -> None:
    due = utcnow() + timedelta(seconds=1)
    world.last_due = due
    requests = [
        PostRequest(_content(i), due, "UTC", (account_id,), frozenset(), None, f"m-{due}-{i}")
        for i in range(count)
    ]
    world.db.transaction(lambda s: insert_posts(s, requests))


def test_lost_answers_are_each_published_exactly_once(world, cipher):
    sandbox = world.sandbox
    schedule(world, mastodon_account(world, cipher), POSTS)
    sandbox.control.set_faults(
        drop_after_commit={"endpoints": ["mastodon_statuses"], "rate": 0.3, "published_only": True},
        drop_hold_seconds=1,
        video_processing_seconds=1,
    )
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert set(world.statuses().values()) == {"published"}, out[-4000:]
    world.assert_exactly_once()
    dropped = sandbox.control.stats()["dropped"].get("mastodon_statuses", 0)
    assert dropped >= 1  # 0.7 ** 20: the drill drops none once in a thousand runs
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    # Each lost answer was settled by asking the instance (the Idempotency-Key), not resent.
    assert outcomes.count("reconciled") == dropped
    assert len(world.ledger()) == POSTS


def test_a_revoked_token_holds_the_account_for_a_reconnect(world, cipher):
    account_id = mastodon_account(world, cipher)
    world.sandbox.control.revoke(ACCOUNT, P.value)
    schedule(world, account_id, 2)
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    mine = world.statuses(P)
    assert set(mine.values()) == {"held"}, out[-4000:]
    for t in world.targets():
        if t.id in mine:
            assert t.error_kind == ErrorKind.AUTH_EXPIRED.value
            assert "The access token was revoked" in t.error_message
            assert "cannot be renewed" in t.error_message
    with world.db.session() as s:
        assert s.get(Account, account_id).status == "reauth_required"
    assert world.ledger() == []
