"""ThreadsClient against the real sandbox: each kind of post, container reuse, polling."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError

from .helpers import IMAGE, IMAGE_2, USER, VIDEO, P, job, text


def _one_entry(sb, container: str, post_id: str, target: str = "1") -> dict:
    [entry] = sb.control.ledger()
    assert entry["platform"] == "threads" and entry["external_id"] == post_id
    assert entry["source_id"] == container and entry["target"] == target
    return entry


def test_text_post_end_to_end(sb, th, guard):
    j = job(sb, text("hello from the scheduler"), target_id=41)
    container = th.prepare(j)
    post_id = th.publish(j, container)
    _one_entry(sb, container, post_id, target="41")
    # container, its status, the publishing limit, threads_publish: all through the guard,
    # and every answer's usage header reached it.
    assert len(guard.calls) == sb.control.stats()["requests_total"] == 4
    assert set(guard.calls) == {(P, USER)}
    assert len(guard.usage) == 4
    assert th.prepare(dataclasses.replace(j, container_id=container)) == container  # reused
    assert len(sb.control.ledger()) == 1


def test_image_post(sb, th):
    j = job(sb, PostContent(text="a picture", media=(IMAGE,)))
    container = th.prepare(j)
    _one_entry(sb, container, th.publish(j, container))


def test_video_container_is_polled_until_finished(sb, th):
    j = job(sb, PostContent(text="a clip", media=(VIDEO,)))
    container = th.prepare(j)
    _one_entry(sb, container, th.publish(j, container))
    assert sb.control.stats()["requests"]["threads_container_status"] >= 3  # 0.6 s at 0.1 s


def test_carousel_of_images_and_a_video(sb, th):
    j = job(sb, PostContent(text="three of them", media=(IMAGE, VIDEO, IMAGE_2)))
    container = th.prepare(j)
    _one_entry(sb, container, th.publish(j, container))
    assert sb.control.stats()["requests"]["threads_create_container"] == 4  # 3 items + carousel


def test_link_attachment_on_a_text_post(sb, th, config):
    j = job(sb, PostContent(text="read this", link="https://example.com/news/1"))
    post_id = th.publish(j, th.prepare(j))
    # The link is on the published post, as the API shows it.
    body = httpx.get(
        f"{config.base_urls['threads']}/v1.0/{post_id}",
        params={"fields": "id,text,link_attachment_url"},
        headers={"Authorization": f"Bearer {j.access_token}"},
    ).json()
    assert body == {
        "id": post_id,
        "text": "read this",
        "link_attachment_url": "https://example.com/news/1",
    }


def test_processing_longer_than_the_poll_timeout_is_retryable(sb, th, config):
    sb.control.set_faults(video_processing_seconds=30)
    short = th.__class__(config.replace(container_poll_timeout_s=0.3), th.api.guard)
    j = job(sb, PostContent(text="slow clip", media=(VIDEO,)))
    with pytest.raises(PublishError) as err:
        short.publish(j, short.prepare(j))
    short.close()
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.kind.retryable
    assert sb.control.ledger() == []


def test_media_threads_cannot_fetch_fails_with_its_error_message(sb, th):
    bad = Media.parse("https://unfetchable.invalid/clip.mp4")
    j = job(sb, PostContent(text="broken", media=(bad,)))
    with pytest.raises(PublishError) as err:
        th.publish(j, th.prepare(j))
    assert err.value.kind is ErrorKind.VALIDATION and not err.value.kind.retryable
    assert "FAILED_DOWNLOADING_VIDEO" in err.value.message
    assert "download the video" in err.value.message
    assert sb.control.ledger() == []


def test_text_the_platform_refuses_is_a_validation_error_with_its_words(sb, th):
    # Past intake (a post stored before the rules): the platform's own refusal, permanent.
    j = job(sb, text("x" * 501))
    with pytest.raises(PublishError) as err:
        th.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and err.value.code == "100"
    assert "at most 500 characters" in err.value.message


def test_more_than_five_links_is_refused_by_name(sb, th):
    links = " ".join(f"https://example.com/{n}" for n in range(6))
    with pytest.raises(PublishError) as err:
        th.prepare(job(sb, text(links)))
    assert err.value.kind is ErrorKind.VALIDATION
    assert "THREADS_API__LINK_LIMIT_EXCEEDED" in err.value.message


def test_a_link_beside_media_fails_before_any_container(sb, th):
    j = job(sb, PostContent(text="x", link="https://example.com", media=(IMAGE,)))
    with pytest.raises(PublishError) as err:
        th.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and "only to a text post" in err.value.message
    assert sb.control.stats()["requests_total"] == 0
