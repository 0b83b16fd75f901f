"""MastodonClient against the real sandbox: each kind of post, media uploads reused on a retry,
and the instance's own limits checked before anything is sent."""

from __future__ import annotations

import dataclasses

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.mastodon import MastodonClient
from socialsched_dagster.platforms.mastodon.client import idempotency_key
from socialsched_dagster.platforms.mastodon.settings import MastodonSettings

from .helpers import ACCOUNT, IMAGE, IMAGE_2, VIDEO, P, job, requests, statuses


def fails(fn, *args) -> PublishError:
    with pytest.raises(PublishError) as err:
        fn(*args)
    return err.value


def test_a_text_post_with_a_link_goes_out_once_with_the_targets_key(sb, masto, guard):
    j = job(
        sb, PostContent(text="Release notes are up", link="https://example.com/r/1"), target_id=41
    )
    handle = masto.prepare(j)
    status_id = masto.publish(j, handle)
    [entry] = sb.control.ledger()
    assert entry["external_id"] == status_id and entry["target"] == "41"
    [shown] = statuses(sb)
    assert shown["id"] == status_id and shown["visibility"] == "public"
    assert "Release notes are up" in shown["content"] and "example.com/r/1" in shown["content"]
    # Every request went through the guard under the account AT its instance, and the
    # X-RateLimit-* headers of every answer reached it.
    host = sb.base_url.split("://")[1]
    assert {a for _p, a in guard.calls} == {f"{ACCOUNT}@{host}"}
    assert len(guard.usage) == len(guard.calls) == 3  # credentials, instance, status
    assert 0 < guard.usage[-1][2].percent < 100
    assert idempotency_key(j) == idempotency_key(dataclasses.replace(j, container_id=handle))


def test_images_are_uploaded_once_and_attached(sb, masto):
    j = job(sb, PostContent(text="two pictures", media=(IMAGE, IMAGE_2)))
    handle = masto.prepare(j)
    assert requests(sb, "mastodon_media_upload") == 2 and sb.control.ledger() == []
    assert masto.prepare(dataclasses.replace(j, container_id=handle)) == handle  # reused
    masto.publish(j, handle)
    [shown] = statuses(sb)
    assert [m["type"] for m in shown["media_attachments"]] == ["image", "image"]
    assert requests(sb, "mastodon_media_upload") == 2
    assert requests(sb, "mastodon_media") == 0  # images answered 200: processed already


def test_a_video_is_polled_until_processed_then_posted(sb, masto):
    j = job(sb, PostContent(text="", media=(VIDEO,)))  # media alone needs no text
    handle = masto.prepare(j)
    status_id = masto.publish(j, handle)
    assert sb.control.ledger()[0]["external_id"] == status_id
    assert requests(sb, "mastodon_media") >= 3  # 206 for 0.6 s, polled every 0.1 s
    assert statuses(sb)[0]["media_attachments"][0]["type"] == "video"


def test_media_still_processing_is_retried_with_the_same_upload(sb, m_config, guard):
    sb.control.set_faults(video_processing_seconds=30)
    quick = MastodonClient(
        m_config, guard, settings=MastodonSettings(media_poll_s=0.1, media_wait_s=0.3)
    )
    j = job(sb, PostContent(text="slow video", media=(VIDEO,)))
    handle = quick.prepare(j)
    err = fails(quick.publish, j, handle)
    assert err.kind is ErrorKind.MEDIA_PROCESSING and err.kind.retryable
    assert not err.replace_container and sb.control.ledger() == []
    sb.control.advance_clock(60)  # the instance has finished meanwhile
    quick.publish(j, handle)  # the next attempt: the same media, no second upload
    assert requests(sb, "mastodon_media_upload") == 1 and len(sb.control.ledger()) == 1
    quick.close()


def test_too_long_for_the_instance_fails_before_anything_is_sent(sb, masto, instance):
    instance(max_characters=50)
    j = job(sb, PostContent(text="x" * 51, media=(IMAGE,)))
    err = fails(masto.prepare, j)
    assert err.kind is ErrorKind.VALIDATION and not err.kind.retryable
    assert "51 characters" in err.message and "allows 50" in err.message
    assert requests(sb, "mastodon_media_upload") == 0 and requests(sb, "mastodon_statuses") == 0


def test_a_link_counts_as_23_characters_like_the_instance_counts_it(sb, masto, instance):
    instance(max_characters=60)
    long_link = "https://example.com/" + "a" * 200
    j = job(sb, PostContent(text="y" * 35, link=long_link))  # 35 + 2 newlines + 23 = 60
    masto.publish(j, masto.prepare(j))
    assert len(sb.control.ledger()) == 1
    over = job(sb, PostContent(text="y" * 36, link=long_link), target_id=2)
    assert "61 characters" in fails(masto.prepare, over).message


def test_the_instance_is_asked_again_before_refusing_on_a_kept_answer(sb, masto, instance):
    masto.prepare(job(sb, PostContent(text="warm the cache")))
    assert requests(sb, "mastodon_instance") == 1
    masto.prepare(job(sb, PostContent(text="kept"), target_id=2))
    assert requests(sb, "mastodon_instance") == 1  # kept per instance
    instance(max_characters=1000)  # the admin raised the limit since
    j = job(sb, PostContent(text="z" * 700), target_id=3)
    masto.publish(j, masto.prepare(j))  # the kept 500 said no; the instance says yes
    assert requests(sb, "mastodon_instance") == 2 and len(sb.control.ledger()) == 1


def test_media_the_instance_cleaned_up_are_uploaded_again(sb, masto):
    j = job(sb, PostContent(text="late", media=(IMAGE,)))
    handle = masto.prepare(j)
    sb.control.advance_clock(25 * 3600)  # unattached media are removed after a day
    err = fails(masto.publish, j, handle)
    assert err.kind is ErrorKind.MEDIA_PROCESSING and err.replace_container
    assert "not found" in err.message and sb.control.ledger() == []


def test_a_token_of_another_account_is_refused_before_uploading(sb, masto):
    token = sb.control.mint_token(P.value, "109399999999999999", expires_in=None)["access_token"]
    err = fails(masto.prepare, job(sb, PostContent(text="hi", media=(IMAGE,)), token=token))
    assert err.kind is ErrorKind.VALIDATION and "--external-id 109399999999999999" in err.message
    assert requests(sb, "mastodon_media_upload") == 0


def test_an_account_without_a_server_says_how_to_fix_it(sb, masto):
    err = fails(masto.prepare, job(sb, PostContent(text="hi"), server_url=None))
    assert err.kind is ErrorKind.VALIDATION and "--server" in err.message


def test_the_instance_refusal_carries_its_own_words(sb, masto, instance):
    j = job(sb, PostContent(text="q" * 80))
    handle = masto.prepare(j)  # checked against 500
    instance(max_characters=50)  # lowered between the check and the post
    err = fails(masto.publish, j, handle)
    assert err.kind is ErrorKind.VALIDATION and err.http_status == 422
    assert err.message == "Validation failed: Text character limit of 50 exceeded"
