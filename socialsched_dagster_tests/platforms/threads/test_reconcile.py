"""Exactly once through the container's status: lost answers, expired and unknown containers."""

from __future__ import annotations

import dataclasses

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.threads import ThreadsClient

from ..helpers import BeforeCall
from .helpers import IMAGE, job, text


def _targets(sb) -> list[str | None]:
    return [e["target"] for e in sb.control.ledger()]


def test_lost_publish_answer_is_reconciled_as_published(sb, th):
    j = job(sb, PostContent(text="lost answer", media=(IMAGE,)), target_id=7)
    container = th.prepare(j)
    sb.control.set_faults(
        drop_after_commit={"endpoints": ["threads_publish"], "count": 1, "published_only": True}
    )
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    [entry] = sb.control.ledger()
    result = th.reconcile(j, container)
    assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
    # A retry anyway finds the container published and answers its id without publishing.
    assert th.publish(j, container) == entry["external_id"]
    assert _targets(sb) == ["7"] and sb.control.stats()["duplicate_target_count"] == 0


def test_a_5xx_after_commit_is_an_unknown_outcome_settled_by_the_container(sb, th):
    j = job(sb, text("committed, then 503"), target_id=8)
    container = th.prepare(j)
    sb.control.set_faults(error_after_commit={"endpoints": ["threads_publish"], "count": 1})
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert th.reconcile(j, container).state is Reconciled.PUBLISHED
    assert _targets(sb) == ["8"]


def test_the_same_text_twice_is_told_apart_by_its_container(sb, th):
    first = job(sb, text("same words"), target_id=1)
    first_id = th.publish(first, th.prepare(first))
    second = job(sb, text("same words"), target_id=2)
    container = th.prepare(second)
    result = th.reconcile(second, container)  # the first post does not make this one "out"
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable
    assert th.publish(second, container) != first_id
    assert _targets(sb) == ["1", "2"]


def test_reconcile_when_not_published(sb, th):
    j = job(sb, text("not yet"))
    assert th.reconcile(j, None).state is Reconciled.NOT_PUBLISHED
    container = th.prepare(j)
    result = th.reconcile(j, container)
    assert result.state is Reconciled.NOT_PUBLISHED and "same container" in result.detail
    th.publish(j, container)
    assert len(sb.control.ledger()) == 1


def test_expired_container_is_replaced_and_the_new_one_publishes(sb, th):
    j = job(sb, text("too late"), expires_in=None)
    container = th.prepare(j)
    sb.control.advance_clock(25 * 3600)
    result = th.reconcile(j, container)
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable is False
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.code == "EXPIRED"
    assert err.value.replace_container is True
    fresh = th.prepare(dataclasses.replace(j, container_id=None))
    post_id = th.publish(j, fresh)
    assert [(e["source_id"], e["external_id"]) for e in sb.control.ledger()] == [(fresh, post_id)]


def test_threads_publish_refusing_an_expired_container_asks_for_a_new_one(sb, config):
    # The container expires between its FINISHED status and threads_publish (request 3).
    j = job(sb, text("on the edge"), expires_in=None)
    with ThreadsClient(config, Unguarded()) as setup:
        container = setup.prepare(j)
    guard = BeforeCall(3, lambda: sb.control.advance_clock(24 * 3600))
    with ThreadsClient(config, guard) as th, pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.replace_container
    assert sb.control.ledger() == []


def test_a_published_container_is_never_replaced_even_past_24_hours(sb, th):
    j = job(sb, text("went out yesterday"), expires_in=None)
    container = th.prepare(j)
    post_id = th.publish(j, container)
    sb.control.advance_clock(25 * 3600)
    result = th.reconcile(j, container)
    assert result.state is Reconciled.PUBLISHED and result.external_id == post_id
    assert th.publish(j, container) == post_id  # answers the post, publishes nothing
    assert len(sb.control.ledger()) == 1


def test_a_container_the_platform_does_not_know(sb, th):
    j = job(sb, text("orphan"))
    result = th.reconcile(j, "17800000000000000")
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable is False
    with pytest.raises(PublishError) as err:
        th.publish(j, "17800000000000000")
    assert err.value.code == "100/33" and err.value.replace_container is True
    assert sb.control.ledger() == []


def test_a_gone_container_whose_post_is_listed_reconciles_by_text(sb, th):
    j = job(sb, text("listed"))
    post_id = th.publish(j, th.prepare(j))
    result = th.reconcile(j, "17800000000000000")
    assert result.state is Reconciled.PUBLISHED and result.external_id == post_id


def test_reconcile_is_unknown_when_the_platform_cannot_be_reached(sb, th):
    j = job(sb, text("x"))
    container = th.prepare(j)
    sb.control.set_faults(down=True)
    assert th.reconcile(j, container).state is Reconciled.UNKNOWN
