"""The platform's failures as a user meets them: rate limits with their wait, malformed and
server answers, the sandbox's own Graph envelope."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError

from .helpers import job, text


def test_a_429_storm_is_rate_limited_with_the_platform_wait(sb, th):
    j = job(sb, text("slow down"))
    container = th.prepare(j)
    sb.control.set_faults(
        storm_429={"seconds": 30, "retry_after": 7, "endpoints": ["threads_publishing_limit"]}
    )
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.retry_after_s == 7
    assert err.value.code == "4" and "request limit" in err.value.message
    assert sb.control.ledger() == []


def test_usage_headers_reach_the_guard(sb, th, guard):
    j = job(sb, text("count me"))
    th.publish(j, th.prepare(j))
    assert guard.usage and all(u[2].percent >= 0 for u in guard.usage)
    assert len(guard.usage) == sb.control.stats()["requests_total"]


def test_a_malformed_publish_answer_is_an_unknown_outcome_quoting_it(sb, th):
    j = job(sb, text("garbled"))
    container = th.prepare(j)
    sb.control.set_faults(malformed={"endpoints": ["threads_publish"], "count": 1})
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    # A 200 it cannot read: the post may be out, so the publisher reconciles first.
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert "threads threads_publish: malformed response" in err.value.message
    assert "Sorry, something went wrong" in err.value.message


def test_a_malformed_status_answer_fails_with_the_body(sb, th):
    j = job(sb, text("garbled status"))
    container = th.prepare(j)
    sb.control.set_faults(malformed={"endpoints": ["threads_container_status"], "count": 2})
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert "malformed response" in err.value.message and "HTTP 200" in err.value.message


def test_a_transient_error_on_publish_is_an_unknown_outcome(sb, th):
    j = job(sb, text("500"))
    container = th.prepare(j)
    sb.control.set_faults(error_rates={"threads_publish": 1.0})
    with pytest.raises(PublishError) as err:
        th.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.code == "2"


def test_a_transient_error_on_a_read_is_retryable(sb, th):
    sb.control.set_faults(error_rates={"threads_create_container": 1.0})
    with pytest.raises(PublishError) as err:
        th.prepare(job(sb, text("x")))
    assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.value.kind.retryable


def test_the_sandbox_speaks_the_graph_envelope(sb, config):
    import httpx

    response = httpx.get(f"{config.base_urls['threads']}/v1.0/me/threads")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 104 and error["type"] == "OAuthException" and error["fbtrace_id"]
    wrong = httpx.get(f"{config.base_urls['threads']}/v9.0/me")
    assert wrong.json()["error"]["code"] == 2500
