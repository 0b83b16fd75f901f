"""After a lost answer, the post is found among the account's own (as X rewrites it: t.co
links, HTML escapes, the media's link), a repeat refused as duplicate content is settled as
published without a second post, and no other post is ever taken for ours: not one with a
slightly different text, other media, or another place in a thread."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled

from .helpers import IMAGE, IMAGE_2, job, post_raw, timeline, tokens


def lose_the_answer(sb, xc, j) -> str:
    """Prepare, then post with the answer lost after X stored the post; the handle."""
    handle = xc.prepare(j)
    sb.control.set_faults(
        drop_after_commit={"endpoints": ["x_create_post"], "count": 1, "published_only": True}
    )
    with pytest.raises(PublishError) as err:
        xc.publish(j, handle)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    sb.control.clear_faults()
    return handle


def stored_id(sb) -> str:
    [entry] = sb.control.ledger()
    return entry["external_id"]


def test_nothing_prepared_means_nothing_was_sent(sb, xc):
    result = xc.reconcile(job(sb, PostContent(text="never")), None)
    assert result.state is Reconciled.NOT_PUBLISHED


@pytest.mark.parametrize(
    "content",
    [
        PostContent(text="Plain words, lost on the way"),
        PostContent(text="Fish & chips <tonight> > pizza"),  # X escapes &, < and >
        PostContent(
            text="Read https://example.com/a/b?c=1 and example.org/x", link="https://ex.io/"
        ),
        PostContent(text="  Café\u0301 \n\n spaced   out  "),  # X trims and NFC-normalises
        PostContent(text="With pictures", media=(IMAGE, IMAGE_2)),
        PostContent(media=(IMAGE,)),  # media alone: X's text is only the media's link
    ],
)
def test_a_lost_answer_is_found_among_the_accounts_posts(sb, xc, content):
    j = job(sb, content)
    handle = lose_the_answer(sb, xc, j)
    result = xc.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED and result.external_id == stored_id(sb)


def test_a_repeat_refused_as_duplicate_content_settles_as_published(sb, xc):
    j = job(sb, PostContent(text="Sent once, answered never", media=(IMAGE,)))
    handle = lose_the_answer(sb, xc, j)
    with pytest.raises(PublishError) as err:
        xc.publish(j, handle)  # a retry that did not ask first
    assert err.value.kind is ErrorKind.DUPLICATE and err.value.http_status == 403
    assert err.value.message == "You are not allowed to create a Tweet with duplicate content."
    # The publisher asks again on DUPLICATE: the first attempt's post is the answer.
    result = xc.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED and result.external_id == stored_id(sb)
    assert len(sb.control.ledger()) == 1


def test_a_post_that_never_left_is_not_published(sb, xc):
    j = job(sb, PostContent(text="prepared, then the run died"))
    handle = xc.prepare(j)
    result = xc.reconcile(j, handle)
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable


def test_a_similar_post_is_never_taken_for_ours(sb, xc):
    access = tokens(sb)["access_token"]
    j = job(sb, PostContent(text="Launch day: v2.0 is out https://example.com/v2"), token=access)
    handle = xc.prepare(j)
    # The owner posts near misses by hand meanwhile; none is ours.
    for text in (
        "Launch day: v2.0 is out https://example.com/v3",  # another link
        "Launch day: v2.0 is out! https://example.com/v2",  # another word
        "Launch day: v2.0 is out",  # no link
        "launch day: v2.0 is out https://example.com/v2",  # another case
    ):
        assert post_raw(sb, access, {"text": text}).status_code == 201
    assert xc.reconcile(j, handle).state is Reconciled.NOT_PUBLISHED
    assert len(timeline(sb)) == 4


def test_the_same_text_with_other_media_is_not_ours(sb, xc):
    access = tokens(sb)["access_token"]
    mine = job(sb, PostContent(text="Look at this", media=(IMAGE,)), token=access)
    handle = xc.prepare(mine)
    other = job(sb, PostContent(text="Look at this", media=(IMAGE_2,)), token=access)
    xc.publish(other, xc.prepare(other))  # the same words, another upload
    assert xc.reconcile(mine, handle).state is Reconciled.NOT_PUBLISHED


def test_a_segment_is_ours_only_as_a_reply_to_the_segment_before(sb, xc):
    access = tokens(sb)["access_token"]
    head = job(sb, PostContent(text="Thread head"), token=access, target_id=3)
    head_id = xc.publish(head, xc.prepare(head))
    other_head = post_raw(sb, access, {"text": "Another head"}).json()["data"]["id"]
    second = job(
        sb, PostContent(text="More (2/2)"), token=access, target_id=3, segment=1,
        reply_to=head_id, thread_root=head_id,
    )  # fmt: skip
    handle = xc.prepare(second)
    # The same words, but replying to another post, and as a post of its own: not ours.
    reply = {"text": "More (2/2)", "reply": {"in_reply_to_tweet_id": other_head}}
    assert post_raw(sb, access, reply).status_code == 201
    assert xc.reconcile(second, handle).state is Reconciled.NOT_PUBLISHED
    # Our own segment, its answer lost: found, as the reply to the head.
    ours = job(
        sb, PostContent(text="Even more (2/2)"), token=access, target_id=5, segment=1,
        reply_to=head_id, thread_root=head_id,
    )  # fmt: skip
    result = xc.reconcile(ours, lose_the_answer(sb, xc, ours))
    assert result.state is Reconciled.PUBLISHED
    assert result.external_id == sb.control.ledger()[-1]["external_id"]
    assert sb.control.ledger()[-1]["in_reply_to"] == head_id
    # A post of its own with those words is not taken for the segment (that replies).
    lone = job(sb, PostContent(text="Even more (2/2)"), token=access, target_id=4)
    assert xc.reconcile(lone, xc.prepare(lone)).state is Reconciled.NOT_PUBLISHED


def test_an_account_that_cannot_be_read_leaves_it_unknown(sb, xc):
    j = job(sb, PostContent(text="who knows"))
    handle = xc.prepare(j)
    sb.control.set_faults(error_rates={"x_user_posts": {"rate": 1.0, "status": 503}})
    result = xc.reconcile(j, handle)
    assert result.state is Reconciled.UNKNOWN and "Service Unavailable" in result.detail


def test_an_unreadable_record_is_searched_by_text_and_then_prepared_again(sb, xc):
    j = job(sb, PostContent(text="record garbled"))
    lose_the_answer(sb, xc, j)
    result = xc.reconcile(j, "not-a-record")
    assert result.state is Reconciled.PUBLISHED and result.external_id == stored_id(sb)
    fresh = job(sb, PostContent(text="never sent"), token=j.access_token)
    result = xc.reconcile(fresh, "not-a-record")
    assert result.state is Reconciled.NOT_PUBLISHED and not result.container_usable
