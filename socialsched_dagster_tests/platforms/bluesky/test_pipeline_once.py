"""Bluesky through the real publishing job (executed in process: the point is the publishing, not
the process), on both databases: with 30 % of createRecord's answers lost
after the record was written, every post is published exactly once (the sandbox's ledger says
so), each lost answer settled by reading its record key back, and one login serves the run."""

from __future__ import annotations

import time
from datetime import timedelta

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PublishAttempt, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster_tests.pipeline.inprocess import execute_window

from .helpers import DID, IMAGES, P, app_password, pds, requests

POSTS = 20


def _content(i: int) -> PostContent:
    text = f"skeet {i} at {time.time():.3f} with @bob.bsky.social #sandbox"
    if i % 4 == 1:
        return PostContent(text=text, media=IMAGES[:1])
    if i % 4 == 2:
        return PostContent(text=text, media=IMAGES[:3])  # blob refs too long to store
    if i % 4 == 3:
        return PostContent(text=text, link=f"https://example.com/read/{i}")
    return PostContent(text=text)


def test_lost_answers_are_each_published_exactly_once(world, cipher):
    sandbox = world.sandbox
    password = app_password(sandbox)

    def add(s):
        return add_account(
            s, cipher, platform=P, external_id=DID, handle="alice.bsky.social",
            access_token=password, server_url=pds(sandbox),
        ).id  # fmt: skip

    account_id = world.db.transaction(add)
    due = utcnow() + timedelta(seconds=1)
    world.last_due = due
    requests_ = [
        PostRequest(_content(i), due, "UTC", (account_id,), frozenset(), None, f"b-{due}-{i}")
        for i in range(POSTS)
    ]
    world.db.transaction(lambda s: insert_posts(s, requests_))
    sandbox.control.set_faults(
        drop_after_commit={
            "endpoints": ["bluesky_create_record"], "rate": 0.3, "published_only": True,
        },
        drop_hold_seconds=1,
    )  # fmt: skip
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert set(world.statuses().values()) == {"published"}, out[-4000:]
    world.assert_exactly_once()
    assert len(world.ledger()) == POSTS
    dropped = sandbox.control.stats()["dropped"].get("bluesky_create_record", 0)
    assert dropped >= 1  # 0.7 ** 20: the drill drops none once in a thousand runs
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    external = sorted(t.external_post_id for t in world.targets())
    assert outcomes.count("reconciled") == dropped
    assert external == sorted(e["external_id"] for e in world.ledger())
    assert requests(sandbox, "create_session") == 1  # one session for the whole run
