"""X through the real publishing job (executed in process: the point is the publishing, not the
process), on both databases: with 30 % of
the post requests' answers lost after X stored the post, every post is published exactly once
(the sandbox's ledger says so), each lost answer settled by finding the post on the account;
and a token X will not renew holds the account for a reconnect."""

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

from .helpers import USER, P, tokens

POSTS = 20  # at 30 %, all 20 answers arrive in 0.08 % of runs


def _content(i: int) -> PostContent:
    text = f"x post {i} at {time.time()} #sandbox"
    if i % 5 == 1:
        image = Media(f"https://cdn.example.com/x{i}.png", MediaKind.IMAGE)
        return PostContent(text=text, media=(image,))
    if i % 5 == 2:
        video = Media(f"https://cdn.example.com/x{i}.mp4", MediaKind.VIDEO)
        return PostContent(text=text, media=(video,))
    if i % 5 == 3:
        return PostContent(text=text, link=f"https://example.com/read/{i}")
    return PostContent(text=text)


def x_account(world, cipher, issued: dict, expires_in_s: float = 7200) -> int:
    def add(s):
        return add_account(
            s, cipher, platform=P, external_id=USER, handle="test_x",
            access_token=issued["access_token"], refresh_token=issued["refresh_token"],
            expires_at=utcnow() + timedelta(seconds=expires_in_s),
        ).id  # fmt: skip

    return world.db.transaction(add)


def schedule(world, account_id: int, count: int) -> list[int]:
    due = utcnow() + timedelta(seconds=1)
    world.last_due = due
    requests = [
        PostRequest(_content(i), due, "UTC", (account_id,), frozenset(), None, f"x-{due}-{i}")
        for i in range(count)
    ]
    return world.db.transaction(lambda s: insert_posts(s, requests))


def test_lost_answers_are_each_published_exactly_once(world, cipher):
    sandbox = world.sandbox
    ids = schedule(world, x_account(world, cipher, tokens(sandbox)), POSTS)
    sandbox.control.set_faults(
        drop_after_commit={"endpoints": ["x_create_post"], "rate": 0.3, "published_only": True},
        drop_hold_seconds=1,
        video_processing_seconds=1,
    )
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert world.statuses(P) == dict.fromkeys(ids, "published"), out[-4000:]
    world.assert_exactly_once()
    ledger = [e for e in world.ledger() if e["platform"] == "x"]
    assert len(ledger) == POSTS
    targets = {t.id: t for t in world.targets()}
    # Every target names its post: the lost answers' ids were found on the account.
    assert {targets[int(e["target"])].external_post_id for e in ledger} == {
        e["external_id"] for e in ledger
    }
    dropped = sandbox.control.stats()["dropped"].get("x_create_post", 0)
    assert dropped >= 1  # the drill did lose answers
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    assert outcomes.count("reconciled") == dropped
    assert outcomes.count("published") == POSTS - dropped


def test_a_refresh_x_refuses_holds_the_account_for_a_reconnect(world, cipher, monkeypatch):
    sandbox = world.sandbox
    issued = tokens(sandbox, expires_in=60)
    account_id = x_account(world, cipher, issued, expires_in_s=60)
    sandbox.control.revoke(USER, P.value)  # the user removed the app: both tokens are dead
    schedule(world, account_id, 2)
    monkeypatch.setenv("SOCIALSCHED_X_CLIENT_ID", "sandbox-x-app")
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert set(world.statuses(P).values()) == {"held"}, out[-4000:]
    for t in world.targets():
        assert t.error_kind == ErrorKind.AUTH_EXPIRED.value
        assert "Value passed for the token was invalid." in t.error_message
    with world.db.session() as s:
        assert s.get(Account, account_id).status == "reauth_required"
    assert world.ledger() == []
