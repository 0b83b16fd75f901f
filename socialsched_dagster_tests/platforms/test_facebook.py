"""FacebookClient against the real sandbox server: feed, photo, video, reconcile by feed."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Reconciled

from .helpers import IMAGE, PAGE, VIDEO, job, ledger_targets

P = Platform.FACEBOOK


def test_feed_post_end_to_end(sb, fb, guard):
    j = job(sb, P, PostContent(text="Hello page", link="https://example.com/n"), target_id=9)
    assert fb.prepare(j) is None
    post_id = fb.publish(j, None)
    [entry] = sb.control.ledger()
    assert entry["external_id"] == post_id and post_id.startswith(f"{PAGE}_")
    assert entry["target"] == "9" and len(guard.calls) == 1 and len(guard.usage) == 1


def test_photo_answers_the_feed_post_id(sb, fb):
    j = job(sb, P, PostContent(text="a photo", media=(IMAGE,)))
    post_id = fb.publish(j, None)
    [entry] = sb.control.ledger()
    assert post_id == entry["post_id"] != entry["external_id"]
    assert fb.reconcile(j, None).external_id == post_id


def test_video_post(sb, fb):
    j = job(sb, P, PostContent(title="Clip", description="watch this", media=(VIDEO,)))
    video_id = fb.publish(j, None)
    assert sb.control.ledger()[0]["external_id"] == video_id
    assert fb.reconcile(j, None).state is Reconciled.PUBLISHED  # found by its description


def test_lost_feed_answer_is_reconciled_as_published(sb, fb):
    j = job(sb, P, PostContent(text="did it go out?"), target_id=5)
    sb.control.set_faults(drop_after_commit={"endpoints": ["fb_feed"], "count": 1})
    with pytest.raises(PublishError) as err:
        fb.publish(j, None)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    [entry] = sb.control.ledger()
    result = fb.reconcile(j, None)
    assert result.state is Reconciled.PUBLISHED and result.external_id == entry["post_id"]
    assert ledger_targets(sb) == ["5"]


def test_reconcile_when_not_published(sb, fb):
    other = job(sb, P, PostContent(text="something else"))
    fb.publish(other, None)
    j = job(sb, P, PostContent(text="never sent"))
    assert fb.reconcile(j, None).state is Reconciled.NOT_PUBLISHED
    link_only = job(sb, P, PostContent(link="https://example.com/only"))
    assert fb.reconcile(link_only, None).state is Reconciled.NOT_PUBLISHED
    fb.publish(link_only, None)
    assert fb.reconcile(link_only, None).state is Reconciled.PUBLISHED


def test_reconcile_reads_more_than_one_page(sb, fb):
    j = job(sb, P, PostContent(text="the old one"))
    fb.publish(j, None)
    for n in range(30):  # push it to the second page of 25
        fb.publish(job(sb, P, PostContent(text=f"newer {n}"), token=j.access_token), None)
    assert fb.reconcile(j, None).state is Reconciled.PUBLISHED


def test_reconcile_is_unknown_when_the_feed_cannot_be_read(sb, fb):
    sb.control.set_faults(error_rates={"fb_feed_list": {"rate": 1.0, "status": 503}})
    result = fb.reconcile(job(sb, P, PostContent(text="x")), None)
    assert result.state is Reconciled.UNKNOWN and "platform_unavailable" in result.detail
