"""Threads of posts through the real publisher, on both databases, against the Mastodon sandbox
over HTTP: every segment goes out once, in order, each a reply to the one before; a lost answer
mid-thread is settled by asking; a thread stopped halfway (refused, or its run killed) resumes
with the next segment and never sends the head again."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import httpx

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.publishing.jobs import load_job
from socialsched_dagster.publishing.segments import segment_job
from socialsched_dagster.store.models import PostTarget, PublishAttempt, utcnow
from socialsched_dagster.store.posts import insert_posts, retry_post
from socialsched_dagster_tests.platforms.mastodon.test_pipeline import mastodon_account

from .inprocess import claim_one, execute_window, mark_maybe_sent, resources, window_run

P = Platform.MASTODON


def _thread(world, cipher, segments: list[str], due_in_s: float = 1.0) -> int:
    account_id = mastodon_account(world, cipher)
    due = utcnow() + timedelta(seconds=due_in_s)
    world.last_due = due
    head, *rest = segments
    content = PostContent(text=head, thread=tuple(PostContent(text=t) for t in rest))
    request = PostRequest(content, due, "UTC", (account_id,), frozenset(), None, f"t-{due}")
    (post_id,) = world.db.transaction(lambda s: insert_posts(s, [request]))
    with world.db.session() as s:
        return s.query(PostTarget).filter_by(post_id=post_id).one().id


def _target(world, target_id: int) -> PostTarget:
    with world.db.session() as s:
        return s.get(PostTarget, target_id)


def _chain(world) -> list[dict]:
    """The ledger's statuses, checked to be one chain: each replies to the one before."""
    entries = world.ledger()
    for before, entry in zip([None, *entries], entries, strict=False):
        assert entry["in_reply_to"] == (before["external_id"] if before else None), entries
    return entries


def _segments(n: int, stamp: str) -> list[str]:
    return [f"part {i + 1} of {n} ({stamp}) #thread" for i in range(n)]


def test_a_thread_goes_out_in_order_each_segment_replying_to_the_one_before(world, cipher):
    texts = _segments(3, str(time.time()))
    target_id = _thread(world, cipher, texts)
    window_run(world, P, idle_exit_s=1).run()
    target = _target(world, target_id)
    assert target.status == "published", target.error_message
    entries = _chain(world)
    assert [e["target"] for e in entries] == [str(target_id), f"{target_id}.1", f"{target_id}.2"]
    # The post's id is the thread's head; every segment's id is kept, in order.
    assert target.external_post_id == entries[0]["external_id"]
    assert target.segment_ids == [e["external_id"] for e in entries]
    world.assert_exactly_once()


def test_lost_answers_mid_thread_are_settled_by_asking_never_resent(world, cipher):
    target_id = _thread(world, cipher, _segments(6, str(time.time())))
    world.sandbox.control.set_faults(
        drop_after_commit={"endpoints": ["mastodon_statuses"], "count": 2, "published_only": True},
        drop_hold_seconds=0.5,
    )
    window_run(world, P, idle_exit_s=1, retry_scale=0.01).run()
    assert _target(world, target_id).status == "published"
    assert len(_chain(world)) == 6
    assert world.sandbox.control.stats()["dropped"].get("mastodon_statuses") == 2
    world.assert_exactly_once()


def test_a_refused_segment_says_where_and_a_retry_resumes_after_the_last_one_out(world, cipher):
    texts = _segments(3, str(time.time()))
    texts[1] += " " + "long " * 30
    target_id = _thread(world, cipher, texts)
    # The instance lowered its limit after the thread was scheduled: segment 2 is refused.
    limits = f"{world.sandbox.base_url}/_sandbox/mastodon/instance"
    httpx.post(limits, json={"max_characters": 100}).raise_for_status()
    window_run(world, P, idle_exit_s=1).run()
    failed = _target(world, target_id)
    assert failed.status == "failed"
    # Which segment stopped it, in the instance's words (ours, when its limits were fresh).
    assert failed.error_message.startswith("segment 2 of 3: ")
    assert "limit of 100" in failed.error_message or "allows 100" in failed.error_message
    assert failed.segments_done == 1 and len(world.ledger()) == 1

    # Fixed (the limit is back) and re-published: segments 2 and 3 follow the head, once.
    httpx.post(limits, json={"max_characters": 500}).raise_for_status()
    now = world.db.now()
    world.db.transaction(
        lambda s: retry_post(s, failed.post_id, now=now, stale_before=now - timedelta(hours=2))
    )
    window_run(world, P, run_id="run-2", idle_exit_s=1).run()
    target = _target(world, target_id)
    assert target.status == "published"
    entries = _chain(world)
    assert len(entries) == 3 and target.external_post_id == entries[0]["external_id"]
    world.assert_exactly_once()


def test_a_thread_whose_run_is_killed_halfway_resumes_with_the_next_segment(world, cipher):
    target_id = _thread(world, cipher, _segments(4, str(time.time())), due_in_s=2)
    # Each call takes a second: the run is killed with the thread part-way out.
    world.sandbox.control.set_faults(latency_ms=1000)
    proc = world.run(P, wait=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(world.ledger()) < 2:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    sent_before = len(world.ledger())
    assert 2 <= sent_before < 4, world.ledger()
    assert _target(world, target_id).status == "publishing"  # the dead run's lease

    world.sandbox.control.set_faults(latency_ms=0)
    world.wait_for_leases_to_expire()
    ok, out = execute_window(world, P)  # the resuming run needs no process of its own
    assert ok, out[-4000:]
    target = _target(world, target_id)
    assert target.status == "published", target.error_message
    assert len(_chain(world)) == 4
    world.assert_exactly_once()
    with world.db.session() as s:
        attempts = s.query(PublishAttempt).filter_by(target_id=target_id).count()
    assert attempts == 1  # the dead run recorded nothing; the second run finished the thread


def test_a_head_gone_before_its_id_was_known_never_leaves_the_rest_unattached(world, cipher):
    """The head went out, its answer was lost, and the user deleted it before the next attempt:
    Mastodon's Idempotency-Key then says "it went out" without naming it. The next posts must
    not go out as standalone statuses; the thread waits, saying why."""
    target_id = _thread(world, cipher, _segments(3, str(time.time())))
    claim = claim_one(world, P, "lost-run")
    platforms = resources()
    with world.db.session() as s:
        context = load_job(s, platforms.cipher(), claim, P)
    client = platforms.client(P)
    head = segment_job(context.job, [])
    container = client.prepare(head)
    status_id = client.publish(head, container)
    mark_maybe_sent(world, target_id, container)  # the answer never came back
    httpx.delete(
        f"{world.sandbox.base_url}/api/v1/statuses/{status_id}",
        headers={"Authorization": f"Bearer {head.access_token}"},
    ).raise_for_status()

    window_run(world, P, run_id="run-2", idle_exit_s=1).run()
    target = _target(world, target_id)
    assert len(world.ledger()) == 1  # the head only: nothing went out unattached
    assert target.status == "scheduled" and target.maybe_sent_at is not None
    assert target.segments_done == 0
    assert target.error_message.startswith("segment 1 of 3: may have been sent")
