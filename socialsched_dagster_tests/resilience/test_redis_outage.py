"""Redis going away mid-use: publishing carries on under local limits, says so once, recovers."""

from __future__ import annotations

import logging
import time

import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Usage
from socialsched_dagster.resilience import BreakerSettings, RateLimits, ResilientGuard
from socialsched_dagster_tests.disposable_redis import DisposableRedis, free_port

IG = Platform.INSTAGRAM
PASSWORD = "s3cret-redis-pw"


@pytest.fixture
def server():
    disposable = DisposableRedis(PASSWORD)
    disposable.start()
    yield disposable
    if disposable.proc is not None:
        disposable.kill()


def test_publishing_survives_redis_going_away_and_returns_to_shared_state(server, caplog):
    # 40 per account shared -> 40 x 0.5 / 4 runs = 5 per account per process while local.
    limits = RateLimits.from_dict({"platforms": {"instagram": {"account_calls": 40}}})
    guard = ResilientGuard(
        server.url, limits, BreakerSettings(fail_max=3), max_wait_s=0.1, redis_retry_s=0.5
    )
    caplog.set_level(logging.INFO)
    assert guard.call(IG, "acct", lambda: "first") == "first"
    assert guard.health()["mode"] == "shared"

    def send_while_redis_dies():
        server.kill()  # after the budget was taken, before the breaker records the success
        return "sent"

    assert guard.call(IG, "acct", send_while_redis_dies) == "sent"  # the call is not lost
    for n in range(5):  # the whole local budget (the call above took its budget from Redis)
        assert guard.call(IG, "acct", lambda n=n: n) == n
    with pytest.raises(PublishError) as over:
        guard.call(IG, "acct", lambda: pytest.fail("local budget exceeded"))
    assert over.value.kind is ErrorKind.RATE_LIMITED
    network = PublishError(ErrorKind.NETWORK, "timeout")

    def fails():
        raise network

    with pytest.raises(PublishError) as seen:  # the breaker still works, in memory
        guard.call(IG, "other", fails)
    assert seen.value is network

    health = guard.health()
    assert health["mode"] == "local" and health["redis"]["reachable"] is False
    assert health["breakers"]["instagram"]["failures"] == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Redis unreachable" in warnings[0].getMessage()
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)
    assert PASSWORD not in str(health)

    server.start()
    time.sleep(0.6)  # past redis_retry_s
    assert guard.call(IG, "acct", lambda: "back") == "back"
    assert guard.health()["mode"] == "shared"
    back = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    # Shared budget again: the local one (5, used up) no longer applies.
    for _ in range(5):
        guard.call(IG, "acct", lambda: "sent")


def test_a_guard_built_while_redis_is_down_starts_local(caplog):
    caplog.set_level(logging.INFO)
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    guard = ResilientGuard(url, max_wait_s=0.1, redis_retry_s=60)
    assert guard.call(IG, "acct", lambda: "sent") == "sent"
    guard.observe_usage(IG, "acct", Usage(percent=50))
    assert guard.breaker_state(IG) == "closed"
    assert guard.health()["mode"] == "local"
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
