"""InstagramClient against the real sandbox server: containers, polling, quota, reconcile."""

from __future__ import annotations

import dataclasses

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.instagram import InstagramClient

from .helpers import IG, IMAGE, IMAGE_2, VIDEO, BeforeCall, job, ledger_targets

P = Platform.INSTAGRAM


def test_image_post_end_to_end(sb, ig, guard):
    j = job(sb, P, PostContent(text="hello #sandbox", media=(IMAGE,)), target_id=41)
    container = ig.prepare(j)
    media_id = ig.publish(j, container)
    [entry] = sb.control.ledger()
    assert entry["external_id"] == media_id and entry["target"] == "41"
    assert entry["source_id"] == container
    # Every request went through the guard, and every answer's usage headers reached it.
    assert len(guard.calls) == sb.control.stats()["requests_total"] == 4
    assert {(p, a) for p, a in guard.calls} == {(P, IG)}
    assert len(guard.usage) == 4 and guard.usage[-1][2].percent > 0
    assert ig.prepare(dataclasses.replace(j, container_id=container)) == container  # reused


def test_video_container_is_polled_until_finished(sb, ig):
    j = job(sb, P, PostContent(text="a reel", media=(VIDEO,)))
    media_id = ig.publish(j, ig.prepare(j))
    assert sb.control.ledger()[0]["external_id"] == media_id
    assert sb.control.stats()["requests"]["ig_container_status"] >= 3  # 0.6 s at 0.1 s


def test_processing_longer_than_the_poll_timeout_is_retryable(sb, ig, config):
    sb.control.set_faults(video_processing_seconds=30)
    short = ig.__class__(config.replace(container_poll_timeout_s=0.3), ig.graph.guard)
    j = job(sb, P, PostContent(text="slow reel", media=(VIDEO,)))
    with pytest.raises(PublishError) as err:
        short.publish(j, short.prepare(j))
    short.close()
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.kind.retryable
    assert sb.control.ledger() == []


def test_carousel(sb, ig):
    j = job(sb, P, PostContent(text="three of them", media=(IMAGE, VIDEO, IMAGE_2)))
    container = ig.prepare(j)
    media_id = ig.publish(j, container)
    [entry] = sb.control.ledger()
    assert entry["external_id"] == media_id and entry["source_id"] == container
    assert sb.control.stats()["requests"]["ig_create_container"] == 4  # 3 children + album


def test_quota_exhausted_is_read_from_the_platform(sb, ig):
    for n in range(2):
        j = job(sb, P, PostContent(text=f"post {n}", media=(IMAGE,)))
        ig.publish(j, ig.prepare(j))
    assert ig.publishing_limit(j) == (2, 2)
    third = job(sb, P, PostContent(text="one too many", media=(IMAGE,)))
    container = ig.prepare(third)
    with pytest.raises(PublishError) as err:
        ig.publish(third, container)
    assert err.value.kind is ErrorKind.QUOTA_EXHAUSTED and err.value.retry_after_s > 0
    assert "2 of 2" in err.value.message
    assert sb.control.stats()["requests"]["ig_publish"] == 2  # the third was never tried


def test_lost_publish_answer_is_reconciled_as_published(sb, ig):
    j = job(sb, P, PostContent(text="lost answer", media=(IMAGE,)), target_id=7)
    container = ig.prepare(j)
    sb.control.set_faults(drop_after_commit={"endpoints": ["ig_publish"], "count": 1})
    with pytest.raises(PublishError) as err:
        ig.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    [entry] = sb.control.ledger()
    result = ig.reconcile(j, container)
    assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
    # A retry anyway finds the container published and answers its id without publishing.
    assert ig.publish(j, container) == entry["external_id"]
    assert ledger_targets(sb) == ["7"]


def test_reconcile_when_not_published(sb, ig):
    j = job(sb, P, PostContent(text="not yet", media=(IMAGE,)))
    assert ig.reconcile(j, None).state is Reconciled.NOT_PUBLISHED
    container = ig.prepare(j)
    result = ig.reconcile(j, container)
    assert result.state is Reconciled.NOT_PUBLISHED and "same container" in result.detail
    ig.publish(j, container)
    assert len(sb.control.ledger()) == 1


def test_reconcile_unknown_container_looks_for_the_caption(sb, ig):
    j = job(sb, P, PostContent(text="orphan", media=(IMAGE,)))
    result = ig.reconcile(j, "17800000000000000")
    assert result.state is Reconciled.NOT_PUBLISHED and "new container" in result.detail
    assert result.container_usable is False


def test_publishing_a_container_the_platform_no_longer_knows_asks_for_a_new_one(sb, ig):
    j = job(sb, P, PostContent(text="orphan", media=(IMAGE,)))
    with pytest.raises(PublishError) as err:
        ig.publish(j, "17800000000000000")
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.code == "100/33"
    assert err.value.replace_container is True and sb.control.ledger() == []


def test_expired_container_needs_a_new_one(sb, ig):
    j = job(sb, P, PostContent(text="too late", media=(IMAGE,)), expires_in=None)
    container = ig.prepare(j)
    sb.control.advance_clock(25 * 3600)
    result = ig.reconcile(j, container)
    assert result.state is Reconciled.NOT_PUBLISHED and "new container" in result.detail
    assert result.container_usable is False
    with pytest.raises(PublishError) as err:
        ig.publish(j, container)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.code == "EXPIRED"
    # The publisher clears the stored container on this, so the next attempt makes a new one.
    assert err.value.replace_container is True
    fresh = ig.prepare(dataclasses.replace(j, container_id=None))
    assert fresh != container
    media_id = ig.publish(j, fresh)
    assert [(e["source_id"], e["external_id"]) for e in sb.control.ledger()] == [(fresh, media_id)]


def test_media_publish_refusing_an_expired_container_asks_for_a_new_one(sb, config):
    # The container expires between its FINISHED status and media_publish (request 3).
    j = job(sb, P, PostContent(text="on the edge", media=(IMAGE,)), expires_in=None)
    with InstagramClient(config, Unguarded()) as setup:
        container = setup.prepare(j)
    guard = BeforeCall(3, lambda: sb.control.advance_clock(24 * 3600))
    with InstagramClient(config, guard) as ig, pytest.raises(PublishError) as err:
        ig.publish(j, container)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.code == "-2/2207020"
    assert err.value.replace_container is True and "has expired" in err.value.message
    assert sb.control.ledger() == []


def test_a_published_container_is_never_replaced_even_past_24_hours(sb, ig):
    j = job(sb, P, PostContent(text="went out yesterday", media=(IMAGE,)), expires_in=None)
    container = ig.prepare(j)
    media_id = ig.publish(j, container)
    sb.control.advance_clock(25 * 3600)
    result = ig.reconcile(j, container)
    assert result.state is Reconciled.PUBLISHED and result.external_id == media_id
    assert result.container_usable is True
    assert ig.publish(j, container) == media_id  # answers the post, publishes nothing
    assert len(sb.control.ledger()) == 1


def test_unfetchable_media_is_a_validation_error(sb, ig):
    bad = Media.parse("https://unfetchable.invalid/a.jpg")
    j = job(sb, P, PostContent(text="broken", media=(bad,)))
    with pytest.raises(PublishError) as err:
        ig.publish(j, ig.prepare(j))
    assert err.value.kind is ErrorKind.VALIDATION and "Media download has failed" in str(err.value)


def test_reconcile_is_unknown_when_the_platform_cannot_be_reached(sb, ig):
    j = job(sb, P, PostContent(text="x", media=(IMAGE,)))
    container = ig.prepare(j)
    sb.control.set_faults(down=True)
    assert ig.reconcile(j, container).state is Reconciled.UNKNOWN
