"""Threads of posts on Bluesky, one job per segment as the publisher walks them: each segment
under its own record key, each after the head a reply whose strong refs name its parent and the
head; a lost answer on a segment settled by that segment's key, never by another post; and the
sandbox's PDS taking replies as the real one does."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.bluesky.tid import new_tid
from socialsched_dagster.publishing.segments import segment_job

from .helpers import DID, job, login, requests, text_post, xrpc

CREATE = ["bluesky_create_record"]
POST = "app.bsky.feed.post"
SOME_CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
STALE_CID = "bafyreihhnwrudlqwxyqwdc7bzyblfqlwhvnrmd7bkcxsbtksvrcipkzxwe"


def thread_job(sb, texts: list[str]):
    head, *rest = texts
    return job(sb, PostContent(text=head, thread=tuple(text_post(t) for t in rest)))


def send(bsky, base, done: list[str]) -> str:
    """The next segment, prepared and published as the publisher does; its id is appended."""
    j = segment_job(base, done)
    done.append(bsky.publish(j, bsky.prepare(j)))
    return done[-1]


def get(sb, uri: str) -> dict:
    repo, _, rkey = uri.removeprefix("at://").partition(f"/{POST}/")
    answer = xrpc(sb, "com.atproto.repo.getRecord",
                  params={"repo": repo, "collection": POST, "rkey": rkey})  # fmt: skip
    answer.raise_for_status()
    return answer.json()


def test_a_thread_goes_out_in_order_each_segment_replying_to_the_one_before(sb, bsky):
    base = thread_job(sb, ["1/3 the head", "2/3 the middle", "3/3 the end"])
    done: list[str] = []
    for _ in range(3):
        send(bsky, base, done)
    ledger = sb.control.ledger()
    assert [e["external_id"] for e in ledger] == done and len(set(done)) == 3
    assert [e["target"] for e in ledger] == ["1", "1.1", "1.2"]
    assert [e["in_reply_to"] for e in ledger] == [None, done[0], done[1]]
    assert [e.get("thread_root") for e in ledger] == [None, done[0], done[0]]
    # Refs an AppView would accept: the parent's and the head's URIs with their records' CIDs.
    assert [e.get("reply_problem", "head") for e in ledger] == ["head", None, None]
    head, middle, end = (get(sb, uri) for uri in done)
    assert "reply" not in head["value"]
    strong = {
        uri: {"uri": uri, "cid": r["cid"]} for uri, r in zip(done, (head, middle, end), strict=True)
    }
    assert middle["value"]["reply"] == {"root": strong[done[0]], "parent": strong[done[0]]}
    assert end["value"]["reply"] == {"root": strong[done[0]], "parent": strong[done[1]]}
    # listRecords serves the same replies.
    listed = xrpc(sb, "com.atproto.repo.listRecords", params={"repo": DID, "collection": POST})
    by_uri = {r["uri"]: r["value"].get("reply") for r in listed.json()["records"]}
    assert by_uri[done[2]] == end["value"]["reply"]


def test_a_lost_answer_on_a_segment_is_that_segment_never_the_head(sb, bsky):
    # The second segment says what the head says: only its key and parent tell them apart.
    base = thread_job(sb, ["same words", "same words", "the end"])
    head_job = segment_job(base, [])
    head_key = bsky.prepare(head_job)
    done = [bsky.publish(head_job, head_key)]
    second = segment_job(base, done)
    key = bsky.prepare(second)
    assert key != head_key
    sb.control.set_faults(
        drop_after_commit={"endpoints": CREATE, "count": 1, "published_only": True}
    )
    with pytest.raises(PublishError) as err:
        bsky.publish(second, key)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    result = bsky.reconcile(second, key)
    written = sb.control.ledger()[-1]
    assert result.state is Reconciled.PUBLISHED
    assert result.external_id == written["external_id"] != done[0]
    assert written["in_reply_to"] == done[0]
    # Asked with the head's key (a container carried over from the segment before), the head
    # is not taken for this segment: the key is another post's, and a new key is needed.
    mixed_up = bsky.reconcile(second, head_key)
    assert mixed_up.state is Reconciled.NOT_PUBLISHED and mixed_up.container_usable is False
    assert "no reply" in mixed_up.detail
    done.append(result.external_id)
    send(bsky, base, done)
    ledger = sb.control.ledger()
    assert [e["target"] for e in ledger] == ["1", "1.1", "1.2"]
    assert ledger[-1]["in_reply_to"] == done[1] and ledger[-1]["reply_problem"] is None
    assert sb.control.stats()["duplicate_target_count"] == 0


def test_a_repeat_after_a_5xx_does_not_take_another_segment_for_this_one(sb, bsky):
    base = thread_job(sb, ["again", "again"])
    head_job = segment_job(base, [])
    head_key = bsky.prepare(head_job)
    done = [bsky.publish(head_job, head_key)]
    # The segment written under the head's key: the PDS's bare 500, then the read-back finds
    # the head there (same text, but no reply): the key is taken, nothing is claimed.
    with pytest.raises(PublishError) as err:
        bsky.publish(segment_job(base, done), head_key)
    assert err.value.kind is ErrorKind.VALIDATION and err.value.code == "RecordKeyTaken"
    assert len(sb.control.ledger()) == 1


def test_a_segment_whose_parent_is_gone_is_refused_before_writing(sb, bsky):
    gone = f"at://{DID}/{POST}/{new_tid()}"
    base = thread_job(sb, ["head", "orphan"])
    j = segment_job(base, [gone])
    with pytest.raises(PublishError) as err:
        bsky.publish(j, bsky.prepare(j))
    assert err.value.kind is ErrorKind.VALIDATION and gone in err.value.message
    assert requests(sb, "create_record") == 0 and sb.control.ledger() == []


# -- the sandbox's PDS --------------------------------------------------------------------


def create(sb, token, text, reply):
    body = {"repo": DID, "collection": POST, "rkey": new_tid(),
            "record": {"$type": POST, "text": text, "createdAt": "2026-12-01T12:00:00.000Z",
                       "reply": reply}}  # fmt: skip
    return xrpc(sb, "com.atproto.repo.createRecord", token=token, json=body)


def test_reply_refs_must_be_strong_refs(sb):
    token = login(sb)["accessJwt"]
    root = {"uri": f"at://{DID}/{POST}/{new_tid()}", "cid": SOME_CID}
    refused = create(sb, token, "x", {"root": root, "parent": {"uri": root["uri"]}})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "InvalidRequest",
        "message": "Invalid app.bsky.feed.post record: Record/reply/parent must have the "
        'property "cid"',
    }
    not_uri = create(sb, token, "x", {"root": {**root, "uri": "https://bsky.app"}, "parent": root})
    assert not_uri.json()["message"].endswith("Record/reply/root/uri must be a valid at-uri")
    assert create(sb, token, "x", {"root": root}).status_code == 400
    assert sb.control.ledger() == []


def test_a_reply_naming_no_real_post_is_stored_but_out_of_its_thread(sb):
    # The PDS does not look refs up: it stores the reply. An AppView leaves it out of the
    # thread, which the ledger records.
    token = login(sb)["accessJwt"]
    missing = {"uri": f"at://{DID}/{POST}/{new_tid()}", "cid": SOME_CID}
    assert create(sb, token, "to nothing", {"root": missing, "parent": missing}).status_code == 200
    head = create(sb, token, "to a head", {"root": missing, "parent": missing}).json()
    stale = {"uri": head["uri"], "cid": STALE_CID}
    assert create(sb, token, "stale cid", {"root": stale, "parent": stale}).status_code == 200
    real = {"uri": head["uri"], "cid": head["cid"]}
    assert create(sb, token, "wrong root", {"root": real, "parent": real}).status_code == 200
    problems = [e["reply_problem"] for e in sb.control.ledger()]
    assert "is not a post of this network" in problems[0]
    assert f"cid {STALE_CID} is not its record's" in problems[2]
    # `head` is itself a reply (to a missing post): its thread's root is that post, not it.
    assert "is not the parent's thread root" in problems[3]
