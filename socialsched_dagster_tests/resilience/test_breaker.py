"""Per-platform circuit breakers whose state every run process sees through Redis."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
import redis

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.resilience import BreakerSettings, RateLimits, ResilientGuard

IG, FB = Platform.INSTAGRAM, Platform.FACEBOOK
SETTINGS = BreakerSettings(fail_max=3, reset_timeout_s=1.0)


def fails_with(kind: ErrorKind, message: str = "boom"):
    error = PublishError(kind, message)

    def fn():
        raise error

    return fn, error


def never_called():
    pytest.fail("the breaker let a call through while open")


@pytest.fixture
def guard(redis_url, ns):
    return ResilientGuard(redis_url, breaker=SETTINGS, namespace=ns)


def trip(guard, platform=IG):
    for _ in range(SETTINGS.fail_max):
        fn, error = fails_with(ErrorKind.NETWORK, "connect timeout")
        with pytest.raises(PublishError) as seen:
            guard.call(platform, "acct", fn)
        assert seen.value is error  # even the failure that trips it comes out unchanged


def test_validation_auth_and_rate_limit_errors_pass_through_and_never_trip(guard):
    for kind in (ErrorKind.VALIDATION, ErrorKind.AUTH_EXPIRED, ErrorKind.DUPLICATE) * 3:
        fn, error = fails_with(kind)
        with pytest.raises(PublishError) as seen:
            guard.call(IG, "acct", fn)
        assert seen.value is error
    assert guard.breaker_state(IG) == "closed"
    assert guard.health()["breakers"]["instagram"]["failures"] == 0


def test_only_consecutive_platform_failures_count(guard):
    for kind in (ErrorKind.NETWORK, ErrorKind.PLATFORM_UNAVAILABLE, ErrorKind.VALIDATION):
        with pytest.raises(PublishError):
            guard.call(IG, "acct", fails_with(kind)[0])
    # The platform answered the validation error, so it is up: the count starts again.
    assert guard.health()["breakers"]["instagram"]["failures"] == 0
    assert guard.breaker_state(IG) == "closed"


def _call_from_another_process(url, ns, results):
    other = ResilientGuard(url, breaker=SETTINGS, namespace=ns)
    try:
        other.call(IG, "acct", lambda: "sent")
        results.put(("sent", None, other.breaker_state(IG)))
    except PublishError as error:
        results.put((error.kind.value, error.message, other.breaker_state(IG)))


def test_failures_open_it_for_that_platform_only_and_every_process_sees_it(guard, redis_url, ns):
    started = time.time()
    trip(guard)
    assert guard.breaker_state(IG) == "open"

    with pytest.raises(PublishError) as fast:
        guard.call(IG, "acct", never_called)
    assert fast.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and fast.value.code == "circuit_open"
    assert "circuit open for instagram" in fast.value.message
    assert 0.5 < fast.value.retry_after_s <= SETTINGS.reset_timeout_s
    assert guard.call(FB, "acct", lambda: "sent") == "sent"  # another platform still passes

    status = guard.health()["breakers"]["instagram"]
    assert status["state"] == "open" and status["opened_at"] is not None
    assert status["failures"] >= SETTINGS.fail_max

    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_call_from_another_process, args=(redis_url, ns, results))
    child.start()
    kind, message, state = results.get(timeout=10)
    child.join(timeout=5)
    assert time.time() - started < SETTINGS.reset_timeout_s, "too slow to test the open state"
    assert (kind, state) == ("platform_unavailable", "open")
    assert "circuit open for instagram" in message


def test_half_open_after_the_timeout_and_closed_by_a_successful_trial(redis_url, ns):
    # Budget for exactly the 3 failures and the trial: refusals while open must not spend any.
    limits = RateLimits.from_dict({"platforms": {"instagram": {"account_calls": 4}}})
    guard = ResilientGuard(redis_url, limits, SETTINGS, namespace=ns, max_wait_s=0.1)
    trip(guard)
    for _ in range(5):
        with pytest.raises(PublishError, match="circuit open"):
            guard.call(IG, "acct", never_called)
    time.sleep(SETTINGS.reset_timeout_s + 0.05)
    assert guard.breaker_state(IG) == "half-open"
    assert guard.call(IG, "acct", lambda: "sent") == "sent"
    assert guard.breaker_state(IG) == "closed"
    assert guard.health()["breakers"]["instagram"]["failures"] == 0


def test_a_failed_trial_opens_it_again(guard):
    trip(guard)
    time.sleep(SETTINGS.reset_timeout_s + 0.05)
    fn, error = fails_with(ErrorKind.PLATFORM_UNAVAILABLE, "502")
    with pytest.raises(PublishError) as seen:
        guard.call(IG, "acct", fn)
    assert seen.value is error
    assert guard.breaker_state(IG) == "open"


def test_one_trial_at_a_time_across_callers(guard, redis_url, ns):
    trip(guard)
    time.sleep(SETTINGS.reset_timeout_s + 0.05)
    inside, release, results = threading.Event(), threading.Event(), []

    def slow_trial():
        inside.set()
        release.wait(5)
        return "sent"

    trial = threading.Thread(target=lambda: results.append(guard.call(IG, "acct", slow_trial)))
    trial.start()
    assert inside.wait(5)
    other_run = ResilientGuard(redis_url, breaker=SETTINGS, namespace=ns)
    with pytest.raises(PublishError) as held:
        other_run.call(IG, "acct", never_called)
    assert "trial call is in progress" in held.value.message
    release.set()
    trial.join(5)
    assert results == ["sent"] and other_run.breaker_state(IG) == "closed"


def test_works_with_a_client_that_decodes_responses(redis_url, ns):
    decoding = redis.Redis.from_url(redis_url, decode_responses=True)
    guard = ResilientGuard(decoding, breaker=SETTINGS, namespace=ns)
    trip(guard)
    assert guard.breaker_state(IG) == "open"
    assert guard.health()["mode"] == "shared"
