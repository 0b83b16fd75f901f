"""Every platform that takes threads of posts, through the real publisher and client against its
sandbox: a thread whose run died after the first post went out (and was recorded) is finished
by the next run, the rest replying to what is already there, and the first never sent again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.platforms.registry import spec, specs
from socialsched_dagster.publishing.jobs import load_job
from socialsched_dagster.publishing.segments import segment_job
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.store.publishing import record_segment

from .inprocess import claim_one, resources, window_run

THREADED = [s.platform for s in specs() if s.supports_threads]


def _account(world, cipher, platform) -> int:
    """The platform's sample account, with a token the sandbox minted (as the demo seeds it)."""
    samples = spec(platform).samples
    issued = world.sandbox.control.mint_token(
        platform.value, samples.external_id, refresh_token=samples.refresh_token or None
    )
    lifetime = issued.get("expires_in")
    return world.db.transaction(
        lambda s: add_account(
            s, cipher, platform=platform, external_id=samples.external_id,
            handle=samples.handle, access_token=issued["access_token"],
            refresh_token=issued.get("refresh_token"),
            expires_at=utcnow() + timedelta(seconds=lifetime) if lifetime else None,
            server_url=world.sandbox.base_url if spec(platform).needs_server else None,
        ).id
    )  # fmt: skip


def _thread(world, account_id: int) -> int:
    due = utcnow() + timedelta(seconds=1)
    world.last_due = due
    stamp = f"{time.time():.6f}"
    content = PostContent(
        text=f"1/3 the news ({stamp})",
        thread=(PostContent(text=f"2/3 the details ({stamp})"), PostContent(text=f"3/3 ({stamp})")),
    )
    request = PostRequest(content, due, "UTC", (account_id,), frozenset(), None, f"r-{stamp}")
    (post_id,) = world.db.transaction(lambda s: insert_posts(s, [request]))
    with world.db.session() as s:
        return s.query(PostTarget).filter_by(post_id=post_id).one().id


def _dead_run_sent_the_head(world, platform, target_id: int) -> str:
    """What a run that died right after the first post did: it claimed the target, the real
    client sent the head, and the head's id was recorded; its lease then ran out."""
    claim = claim_one(world, platform, "dead-run")
    platforms = resources()
    with world.db.session() as s:
        context = load_job(s, platforms.cipher(), claim, platform)
    client = platforms.client(platform)
    head = segment_job(context.job, [])
    external_id = client.publish(head, client.prepare(head))
    world.db.transaction(lambda s: record_segment(s, target_id, "dead-run", [], external_id))
    with world.db.session() as s, s.begin():
        s.execute(
            update(PostTarget)
            .where(PostTarget.id == target_id)
            .values(lease_until=world.db.now() - timedelta(seconds=1))
        )
    return external_id


@pytest.mark.parametrize("platform", THREADED, ids=[p.value for p in THREADED])
def test_a_thread_whose_run_died_after_the_first_post_is_finished_once(world, cipher, platform):
    target_id = _thread(world, _account(world, cipher, platform))
    head = _dead_run_sent_the_head(world, platform, target_id)
    window_run(world, platform, run_id="run-2", idle_exit_s=1).run()
    with world.db.session() as s:
        target = s.get(PostTarget, target_id)
    assert target.status == "published", target.error_message
    assert target.external_post_id == head and target.segments_done == 3
    entries = [e for e in world.ledger() if e["platform"] == platform.value]
    assert [e["target"] for e in entries] == [str(target_id), f"{target_id}.1", f"{target_id}.2"]
    assert [e["external_id"] for e in entries] == target.segment_ids
    # Each later post answers the one before it, as the platform recorded the reply.
    assert [e["in_reply_to"] for e in entries] == [None, *target.segment_ids[:2]]
    world.assert_exactly_once()
