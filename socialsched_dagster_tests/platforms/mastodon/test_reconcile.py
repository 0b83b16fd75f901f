"""A lost answer, settled: by the Idempotency-Key within its hour, by the account's own
statuses after it; never a second status in the ledger."""

from __future__ import annotations

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.mastodon.handle import Prepared

from ..helpers import ledger_targets
from .helpers import IMAGE, job, requests

LOST = {"drop_after_commit": {"endpoints": ["mastodon_statuses"], "count": 1}}


def lose_the_answer(sb, masto, j) -> str:
    handle = masto.prepare(j)
    sb.control.set_faults(LOST)
    with pytest.raises(PublishError) as err:
        masto.publish(j, handle)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert len(sb.control.ledger()) == 1  # it went out; only the answer was lost
    return handle


def aged(handle: str, seconds: float) -> str:
    """The same record, as if `prepare` had run `seconds` ago."""
    p = Prepared.decode(handle)
    return Prepared(p.media, p.prepared_at - seconds).encode()


def test_within_the_hour_the_key_answers_with_the_status_already_made(sb, masto):
    j = job(sb, PostContent(text="lost in transit", media=(IMAGE,)), target_id=7)
    handle = lose_the_answer(sb, masto, j)
    [entry] = sb.control.ledger()
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
    assert "Idempotency-Key" in result.detail
    assert masto.publish(j, handle) == entry["external_id"]  # sent again: still that status
    assert ledger_targets(sb) == ["7"]


def test_a_replay_for_a_status_never_made_posts_it_exactly_once(sb, masto):
    j = job(sb, PostContent(text="the original never arrived"), target_id=8)
    handle = masto.prepare(j)  # prepared; the POST was lost before reaching the instance
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED
    assert masto.reconcile(j, handle).external_id == result.external_id
    assert ledger_targets(sb) == ["8"]


def test_a_refused_replay_is_a_definite_not_published(sb, masto, instance):
    j = job(sb, PostContent(text="w" * 120), target_id=9)
    handle = masto.prepare(j)
    instance(max_characters=100)
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.NOT_PUBLISHED and "character limit" in result.detail
    assert sb.control.ledger() == []


def test_after_the_hour_the_status_is_found_by_its_media(sb, masto):
    j = job(sb, PostContent(text="media speak for it", media=(IMAGE,)), target_id=11)
    handle = lose_the_answer(sb, masto, j)
    sb.control.advance_clock(2 * 3600)  # the instance forgot the key
    result = masto.reconcile(j, aged(handle, 2 * 3600))
    [entry] = sb.control.ledger()
    assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
    assert "media" in result.detail
    assert requests(sb, "mastodon_statuses") == 1  # no replay after the window


def test_after_the_hour_a_text_post_is_found_by_its_words(sb, masto):
    text = "Read @alice@other.example #news\n\nhttps://example.com/" + "long/" * 12
    j = job(sb, PostContent(text=text), target_id=12)
    handle = lose_the_answer(sb, masto, j)
    sb.control.advance_clock(2 * 3600)
    result = masto.reconcile(j, aged(handle, 2 * 3600))
    assert result.state is Reconciled.PUBLISHED and "text" in result.detail
    assert result.external_id == sb.control.ledger()[0]["external_id"]


def test_after_the_hour_nothing_found_is_not_published(sb, masto):
    masto.publish(*_ready(sb, masto, "something else", 1))
    j = job(sb, PostContent(text="never sent"), target_id=13)
    handle = aged(masto.prepare(j), 2 * 3600)
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable
    assert masto.reconcile(j, None).state is Reconciled.NOT_PUBLISHED  # nothing prepared


def test_a_status_older_than_the_upload_is_not_taken_for_ours(sb, masto):
    sb.control.advance_clock(-4 * 3600)
    masto.publish(*_ready(sb, masto, "same words", 1))  # four hours ago, the same text
    sb.control.advance_clock(4 * 3600)
    j = job(sb, PostContent(text="same words"), target_id=2)
    result = masto.reconcile(j, aged(masto.prepare(j), 2 * 3600))
    assert result.state is Reconciled.NOT_PUBLISHED
    assert len(sb.control.ledger()) == 1


def test_an_unreachable_instance_leaves_it_unknown(sb, masto):
    j = job(sb, PostContent(text="who knows"), target_id=14)
    handle = masto.prepare(j)
    sb.control.set_faults(down=True)
    assert masto.reconcile(j, handle).state is Reconciled.UNKNOWN
    assert masto.reconcile(j, aged(handle, 2 * 3600)).state is Reconciled.UNKNOWN
    assert sb.control.ledger() == []


def test_a_5xx_after_the_commit_is_reconciled_as_published(sb, masto):
    j = job(sb, PostContent(text="committed, then 503"), target_id=15)
    handle = masto.prepare(j)
    sb.control.set_faults(error_after_commit={"endpoints": ["mastodon_statuses"], "count": 1})
    with pytest.raises(PublishError) as err:
        masto.publish(j, handle)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.http_status == 503
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED and ledger_targets(sb) == ["15"]


def _ready(sb, masto, text: str, target_id: int):
    j = job(sb, PostContent(text=text), target_id=target_id)
    return j, masto.prepare(j)


def test_a_status_deleted_after_a_lost_answer_is_never_posted_again(sb, masto):
    j = job(sb, PostContent(text="posted, then regretted"), target_id=16)
    handle = lose_the_answer(sb, masto, j)
    [entry] = sb.control.ledger()
    deleted = httpx.delete(
        f"{sb.base_url}/api/v1/statuses/{entry['external_id']}",
        headers={"Authorization": f"Bearer {j.access_token}"},
    )
    assert deleted.status_code == 200
    result = masto.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED and "deleted" in result.detail
    with pytest.raises(PublishError) as err:
        masto.publish(j, handle)  # a retry anyway is not a second post
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.code == "status_deleted"
    assert ledger_targets(sb) == ["16"]
