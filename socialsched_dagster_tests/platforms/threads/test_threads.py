"""Threads of posts on Threads, one job per segment as the publisher walks them: a container per
segment, each after the head a reply (`reply_to_id`) to the one before; a lost answer on a
segment settled by that segment's container and its reply, never by the head saying the same
words; the 1,000 replies per 24 h honoured apart from the 250 posts; and the sandbox refusing
replies as the API does."""

from __future__ import annotations

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import PublishJob, Reconciled
from socialsched_dagster.platforms.threads.quota import Limit
from socialsched_dagster.publishing.segments import segment_job

from .helpers import IMAGE, IMAGE_2, USER, P, job, read, reply_raw, text, token

DAY = 86400
OTHER = "27000000000000099"
READ_FIELDS = "id,text,is_reply,replied_to,root_post,has_replies"


def send(th, base, done: list[str]) -> str:
    """The next segment, prepared and published as the publisher does; its id is appended."""
    j = segment_job(base, done)
    done.append(th.publish(j, th.prepare(j)))
    return done[-1]


def test_a_thread_goes_out_in_order_each_segment_replying_to_the_one_before(sb, th):
    access = token(sb)
    last = PostContent(text="3/3 with pictures", media=(IMAGE, IMAGE_2))
    base = job(sb, PostContent(text="1/3 the head", thread=(text("2/3 the middle"), last)),
               access_token=access)  # fmt: skip
    done: list[str] = []
    for _ in range(3):
        send(th, base, done)
    ledger = sb.control.ledger()
    assert [e["external_id"] for e in ledger] == done and len(set(done)) == 3
    assert [e["target"] for e in ledger] == ["1", "1.1", "1.2"]
    assert [e["in_reply_to"] for e in ledger] == [None, done[0], done[1]]
    # Each as the API serves it back: the head no reply, each segment a reply to the one before
    # in the head's thread.
    head, middle, end = (read(sb, access, m, READ_FIELDS) for m in done)
    assert head == {"id": done[0], "text": "1/3 the head", "is_reply": False, "has_replies": True}
    assert middle["replied_to"] == {"id": done[0]} and middle["root_post"] == {"id": done[0]}
    assert end["replied_to"] == {"id": done[1]} and end["root_post"] == {"id": done[0]}
    assert (middle["is_reply"], end["is_reply"], end["has_replies"]) == (True, True, False)
    # The head is one of the account's threads, the segments its replies; each counts once.
    listed = read(sb, access, f"{USER}/threads", "id")["data"]
    replies = read(sb, access, f"{USER}/replies", "id,replied_to")["data"]
    assert [p["id"] for p in listed] == [done[0]]
    assert [r["id"] for r in replies] == [done[2], done[1]]
    assert th.publishing_limit(base) == Limit(1, 250, DAY)
    assert th.reply_limit(base) == Limit(2, 1000, DAY)


def test_a_lost_answer_on_a_segment_is_that_segment_never_the_head(sb, th):
    # The second segment says what the head says: only the post it answers tells them apart.
    base = job(sb, PostContent(text="same words", thread=(text("same words"), text("the end"))))
    done: list[str] = []
    send(th, base, done)
    second = segment_job(base, done)
    container = th.prepare(second)
    sb.control.set_faults(
        drop_after_commit={"endpoints": ["threads_publish"], "count": 1, "published_only": True}
    )
    with pytest.raises(PublishError) as err:
        th.publish(second, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    written = sb.control.ledger()[-1]
    result = th.reconcile(second, container)
    assert result.state is Reconciled.PUBLISHED
    assert result.external_id == written["external_id"] != done[0]
    # A blind retry finds the container published and answers the same reply, sending nothing.
    assert th.publish(second, container) == written["external_id"]
    assert sb.control.stats()["requests"]["threads_publish"] == 2
    done.append(result.external_id)
    send(th, base, done)
    ledger = sb.control.ledger()
    assert [e["target"] for e in ledger] == ["1", "1.1", "1.2"]
    assert [e["in_reply_to"] for e in ledger] == [None, done[0], done[1]]
    assert sb.control.stats()["duplicate_target_count"] == 0


def test_a_reply_with_the_same_words_to_another_segment_is_not_this_one(sb, th):
    base = job(sb, PostContent(text="echo", thread=(text("echo"), text("echo"))))
    done: list[str] = []
    send(th, base, done)
    send(th, base, done)
    third = segment_job(base, done)
    # Its container is gone: only the account's replies can tell, and the one saying "echo"
    # answers the head, not the second segment.
    result = th.reconcile(third, "17800000000000000")
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable is False
    assert send(th, base, done) == sb.control.ledger()[-1]["external_id"]
    assert sb.control.ledger()[-1]["in_reply_to"] == done[1]
    assert th.reconcile(third, "17800000000000000").external_id == done[2]


def test_a_full_replies_window_holds_the_segment_not_the_posts(sb, th):
    access = token(sb, expires_in=None)
    base = job(sb, PostContent(text="head", thread=(text("one reply too many"),)),
               access_token=access, target_id=5)  # fmt: skip
    done: list[str] = []
    send(th, base, done)
    reply_raw(sb, access, done[0], 1000)  # another app filled the account's replies window
    sb.control.advance_clock(3600)
    segment = segment_job(base, done)
    assert th.reply_limit(segment) == Limit(1000, 1000, DAY)
    container = th.prepare(segment)
    with pytest.raises(PublishError) as err:
        th.publish(segment, container)
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.code == "threads_reply_limit"
    assert "1000 of 1000 replies" in err.value.message
    # About 23 h: when the oldest of the 1,000 replies leaves the rolling window.
    assert DAY - 3600 - 120 < err.value.retry_after_s <= DAY - 3600 + 1
    assert sb.control.stats()["requests"]["threads_publish"] == 1001  # ours was never sent
    # The posts' cap is another: a post that is no reply still goes out.
    post = job(sb, text("not a reply"), access_token=access, target_id=6)
    assert th.publish(post, th.prepare(post)) == sb.control.ledger()[-1]["external_id"]
    sb.control.advance_clock(err.value.retry_after_s + 1)
    reply_id = th.publish(segment, container)
    assert sb.control.ledger()[-1]["external_id"] == reply_id
    assert sb.control.ledger()[-1]["in_reply_to"] == done[0]


# -- the sandbox --------------------------------------------------------------------------


def create(sb, access, **data) -> httpx.Response:
    url = f"{sb.base_url}/threads/v1.0/{USER}/threads"
    auth = {"Authorization": f"Bearer {access}"}
    return httpx.post(url, data={"media_type": "TEXT", "text": "a reply", **data},
                      headers=auth, timeout=10)  # fmt: skip


def test_reply_to_id_must_be_a_post_the_user_may_answer(sb, th):
    access = token(sb)
    unknown = create(sb, access, reply_to_id="17900000000000000")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100
    assert "reply_to_id" in unknown.json()["error"]["message"]
    # A container id is not a post: only what threads_publish made can be answered.
    made = create(sb, access).json()["id"]
    assert create(sb, access, reply_to_id=made).json()["error"]["code"] == 100
    # Another user's thread needs permissions a plain publishing app does not have.
    other = sb.control.mint_token(P.value, OTHER)["access_token"]
    theirs = PublishJob(2, P, OTHER, other, text("their own post"))
    their_post = th.publish(theirs, th.prepare(theirs))
    refused = create(sb, access, reply_to_id=their_post)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 10
    assert [e["account"] for e in sb.control.ledger()] == [OTHER]
