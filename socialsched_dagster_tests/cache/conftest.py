"""Cache tests run against a real Redis (or the embedded one) and a redis-server of their own
that they may kill: never a mock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from socialsched_dagster_tests.disposable_redis import DisposableRedis

PASSWORD = "cache-test-pw"


@pytest.fixture
def redis_url(real_or_embedded_redis_url) -> str:
    return real_or_embedded_redis_url


@pytest.fixture
def ns() -> str:
    """A namespace of this test's own: tests sharing the server never see each other's keys."""
    return f"t{uuid.uuid4().hex[:10]}:cache"


@pytest.fixture
def server() -> Iterator[DisposableRedis]:
    disposable = DisposableRedis(PASSWORD)
    disposable.start()
    yield disposable
    if disposable.proc is not None:
        disposable.kill()
