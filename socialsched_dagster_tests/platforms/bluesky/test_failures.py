"""Failures as the PDS gives them: rate limits with their headers, answers lost or broken after
the record was written, malformed answers, an outage. None of them ever makes a second post."""

from __future__ import annotations

import json

import httpx
import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.bluesky.errors import parse_usage, retry_after

from .helpers import DID, P, job, requests, text_post

CREATE = ["bluesky_create_record"]


def prepared(sb, bsky, text="a post"):
    j = job(sb, text_post(text))
    return j, bsky.prepare(j)


def test_a_429_is_rate_limited_with_the_pds_wait(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(storm_429={"seconds": 60, "retry_after": 42, "endpoints": CREATE})
    with pytest.raises(PublishError) as err:
        bsky.publish(j, handle)
    e = err.value
    assert (e.kind, e.code, e.http_status, e.retry_after_s) == (
        ErrorKind.RATE_LIMITED, "RateLimitExceeded", 429, 42.0,
    )  # fmt: skip
    assert sb.control.ledger() == []


def test_the_rate_headers_of_every_answer_reach_the_guard(sb, bsky, guard):
    j, handle = prepared(sb, bsky)
    bsky.publish(j, handle)
    seen = [u for p, account, u in guard.usage if p is P and account == DID]
    # createSession: 1 of 30 logins used; createRecord: 3 of 5,000 write points.
    assert [round(u.percent, 2) for u in seen] == [round(100 / 30, 2), 0.06]
    assert all(u.regain_after_s == 0 for u in seen)


def test_an_answer_lost_after_the_commit_is_reconciled_as_published(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(drop_after_commit={"endpoints": CREATE, "published_only": True})
    with pytest.raises(PublishError) as err:
        bsky.publish(j, handle)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    result = bsky.reconcile(j, handle)
    assert result.state is Reconciled.PUBLISHED
    assert bsky.publish(j, handle) == result.external_id  # even a blind repeat: the same post
    assert [e["external_id"] for e in sb.control.ledger()] == [result.external_id]
    assert sb.control.stats()["duplicate_target_count"] == 0


def test_a_server_error_after_the_commit_is_read_back(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(error_after_commit={"endpoints": CREATE, "status": 503})
    uri = bsky.publish(j, handle)
    assert [e["external_id"] for e in sb.control.ledger()] == [uri]
    assert requests(sb, "get_record") == 1


def test_a_server_error_that_wrote_nothing_is_retried_later(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(error_rates={"bluesky_create_record": {"rate": 1.0, "status": 500}})
    with pytest.raises(PublishError) as err:
        bsky.publish(j, handle)
    e = err.value
    assert e.kind is ErrorKind.PLATFORM_UNAVAILABLE and e.code == "InternalServerError"
    assert "was not written" in e.message and e.kind.retryable
    sb.control.clear_faults()
    assert bsky.publish(j, handle).endswith("/" + json.loads(handle)["rkey"])
    assert len(sb.control.ledger()) == 1


def test_a_malformed_answer_fails_with_what_the_pds_sent(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(malformed={"endpoints": CREATE, "count": 1})
    with pytest.raises(PublishError) as err:
        bsky.publish(j, handle)
    e = err.value
    # A 200 that is not the record's answer: it may have been written, so the outcome is unknown.
    assert e.kind is ErrorKind.UNKNOWN_OUTCOME
    assert e.message.startswith("bluesky createRecord: malformed response")
    assert "Sorry, something went wrong" in e.message or '{"id":"1789' in e.message
    assert bsky.reconcile(j, handle).state is Reconciled.NOT_PUBLISHED  # it was not
    bsky.publish(j, handle)
    assert len(sb.control.ledger()) == 1


def test_a_malformed_read_leaves_the_reconciliation_undecided(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(malformed={"endpoints": ["bluesky_get_record"], "count": 1})
    result = bsky.reconcile(j, handle)
    assert result.state is Reconciled.UNKNOWN and "malformed response" in result.detail


def test_a_pds_that_is_down_is_unavailable_with_the_page_it_answered(sb, bsky):
    j, handle = prepared(sb, bsky)
    sb.control.set_faults(down=True)
    with pytest.raises(PublishError) as err:
        bsky.publish(j, handle)
    e = err.value
    assert e.kind is ErrorKind.PLATFORM_UNAVAILABLE and e.http_status == 503
    assert "HTTP 503 without an XRPC error body" in e.message and e.kind.trips_breaker


def test_a_refused_record_is_a_validation_error_in_the_pds_words(sb, bsky):
    j = job(sb, text_post("x" * 301))  # past intake (which would refuse it) to the PDS
    with pytest.raises(PublishError) as err:
        bsky.publish(j, bsky.prepare(j))
    e = err.value
    assert (e.kind, e.code, e.http_status) == (ErrorKind.VALIDATION, "InvalidRequest", 400)
    assert e.message == (
        "bluesky createRecord: Invalid app.bsky.feed.post record: "
        "Record/text must not be longer than 300 graphemes"
    )


def test_rate_headers_without_retry_after_give_the_wait_until_the_reset():
    now = 1_800_000_000.0
    spent = httpx.Headers(
        {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": "1800000090"}
    )
    assert retry_after(spent, now) == 90.0
    usage = parse_usage(spent, now)
    assert (usage.percent, usage.regain_after_s) == (100.0, 90.0)
    half = httpx.Headers({"RateLimit-Limit": "30", "RateLimit-Remaining": "15"})
    assert parse_usage(half, now).percent == 50.0 and parse_usage(httpx.Headers(), now) is None
