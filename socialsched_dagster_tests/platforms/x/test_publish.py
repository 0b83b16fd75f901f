"""XClient against the real sandbox: each kind of post, media uploaded once and reused on a
retry, videos waited for, a thread posted in order with each post replying to the one before."""

from __future__ import annotations

import dataclasses
import time

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.x import XClient
from socialsched_dagster.platforms.x.handle import Prepared, UploadedMedia

from .conftest import SETTINGS
from .helpers import IMAGE, IMAGE_2, USER, VIDEO, P, job, requests, timeline, tokens


def fails(fn, *args) -> PublishError:
    with pytest.raises(PublishError) as err:
        fn(*args)
    return err.value


def test_a_text_post_goes_out_once_through_the_guard(sb, xc, guard):
    j = job(sb, PostContent(text="Release notes are up"), target_id=41)
    post_id = xc.publish(j, xc.prepare(j))
    [entry] = sb.control.ledger()
    assert entry["external_id"] == post_id and entry["target"] == "41"
    assert entry["platform"] == "x" and entry["in_reply_to"] is None
    [shown] = timeline(sb)
    assert shown["id"] == post_id and shown["text"] == "Release notes are up"
    assert "referenced_tweets" not in shown and "attachments" not in shown
    # /2/users/me (the token is the account's) and the post, both through the guard; only
    # the post endpoint's x-rate-limit headers reach it: 1 of its 100 per 15 minutes.
    assert guard.calls == [(P, USER), (P, USER)]
    [(_p, account, usage)] = guard.usage
    assert account == USER and usage.percent == pytest.approx(1.0) and usage.regain_after_s == 0


def test_a_link_goes_after_the_text_and_x_shows_it_as_a_t_co_link(sb, xc):
    j = job(sb, PostContent(text="Read the changelog", link="https://example.com/changes/42"))
    post_id = xc.publish(j, xc.prepare(j))
    assert sb.control.ledger()[0]["external_id"] == post_id
    [shown] = timeline(sb)
    assert shown["text"].startswith("Read the changelog\n\nhttps://t.co/")
    [url] = shown["entities"]["urls"]
    assert url["expanded_url"] == "https://example.com/changes/42"


def test_images_are_uploaded_once_and_attached_in_order(sb, xc):
    j = job(sb, PostContent(text="two pictures", media=(IMAGE, IMAGE_2)))
    handle = xc.prepare(j)
    assert requests(sb, "x_media_initialize") == 2 and sb.control.ledger() == []
    assert requests(sb, "x_media_append") == 2 and requests(sb, "x_media_finalize") == 2
    assert xc.prepare(dataclasses.replace(j, container_id=handle)) == handle  # reused
    xc.publish(j, handle)
    [shown] = timeline(sb)
    keys = shown["attachments"]["media_keys"]
    assert len(keys) == 2 and all(k.startswith("3_") for k in keys)  # photos
    assert requests(sb, "x_media_initialize") == 2  # no second upload
    assert requests(sb, "x_media_status") == 0  # images are ready when finalized


def test_a_video_is_uploaded_in_chunks_and_polled_as_x_asks(sb, x_config, guard):
    chunked = XClient(
        x_config, guard, settings=dataclasses.replace(SETTINGS, chunk_bytes=512 * 1024)
    )
    sb.control.set_faults(video_processing_seconds=1.5)
    j = job(sb, PostContent(text="", media=(VIDEO,)))  # media alone needs no text
    handle = chunked.prepare(j)
    # 1.5 MiB of synthetic video in 512 KiB chunks.
    assert requests(sb, "x_media_append") == 3
    started = time.monotonic()
    post_id = chunked.publish(j, handle)
    # X said how long to wait (check_after_secs, whole seconds) and was asked again then,
    # not hammered: a second or two of waiting, two or three status reads.
    assert time.monotonic() - started >= 0.9
    assert 2 <= requests(sb, "x_media_status") <= 3
    assert sb.control.ledger()[0]["external_id"] == post_id
    [shown] = timeline(sb)
    assert shown["attachments"]["media_keys"][0].startswith("7_")  # a video
    chunked.close()


def test_a_video_still_processing_is_retried_with_the_same_upload(sb, x_config, guard):
    sb.control.set_faults(video_processing_seconds=30)
    quick = XClient(x_config, guard, settings=dataclasses.replace(SETTINGS, media_wait_s=0.5))
    j = job(sb, PostContent(text="slow video", media=(VIDEO,)))
    handle = quick.prepare(j)
    err = fails(quick.publish, j, handle)
    assert err.kind is ErrorKind.MEDIA_PROCESSING and err.kind.retryable
    assert not err.replace_container and sb.control.ledger() == []
    sb.control.advance_clock(60)  # X has finished meanwhile
    quick.publish(j, handle)  # the next attempt: the same media, no second upload
    assert requests(sb, "x_media_initialize") == 1 and len(sb.control.ledger()) == 1
    quick.close()


def test_a_thread_goes_out_in_order_each_post_replying_to_the_one_before(sb, xc):
    thread = PostContent(
        text="A thread on what shipped (1/3)",
        media=(IMAGE,),
        thread=(PostContent(text="Faster imports (2/3)"), PostContent(text="Fewer bugs (3/3)")),
    )
    access = tokens(sb)["access_token"]
    done: list[str] = []
    for n, segment in enumerate(thread.segments):
        j = job(
            sb, segment, token=access, target_id=7, segment=n,
            reply_to=done[-1] if done else None, thread_root=done[0] if done else None,
        )  # fmt: skip
        done.append(xc.publish(j, xc.prepare(j)))
    ledger = sb.control.ledger()
    assert [e["external_id"] for e in ledger] == done
    assert [e["in_reply_to"] for e in ledger] == [None, done[0], done[1]]
    assert [e["target"] for e in ledger] == ["7", "7.1", "7.2"]
    shown = {t["id"]: t for t in timeline(sb)}
    assert shown[done[1]]["referenced_tweets"] == [{"type": "replied_to", "id": done[0]}]
    assert shown[done[2]]["referenced_tweets"] == [{"type": "replied_to", "id": done[1]}]
    assert {shown[i]["conversation_id"] for i in done} == {done[0]}


def test_a_token_of_another_user_is_refused_before_anything_is_uploaded(sb, xc):
    someone = tokens(sb, "1500000000000000099")["access_token"]
    j = job(sb, PostContent(text="whose?", media=(IMAGE,)), token=someone)
    err = fails(xc.prepare, j)
    assert err.kind is ErrorKind.VALIDATION and err.code == "account_mismatch"
    assert "--external-id 1500000000000000099" in err.message
    assert requests(sb, "x_media_initialize") == 0 and sb.control.ledger() == []


def test_four_uploads_with_x_longest_ids_fit_in_what_the_publisher_stores():
    longest = "9" * 19  # X ids are 64-bit: at most 19 digits
    media = tuple(
        UploadedMedia(longest[:-1] + str(n), f"16_{longest[:-1]}{n}", True) for n in range(4)
    )
    record = Prepared(media, 1_900_000_000.123).encode()
    assert len(record) <= 255
    assert Prepared.decode(record) == Prepared(media, 1_900_000_000.123)
