"""Resilience tests run against a real Redis (db 15) or an embedded one: never a mock."""

from __future__ import annotations

import uuid

import pytest

from socialsched_dagster.store.redis_connection import connect


@pytest.fixture
def redis_url(real_or_embedded_redis_url) -> str:
    return real_or_embedded_redis_url


@pytest.fixture
def ns() -> str:
    """A key prefix of this test's own, so tests sharing the server never see each other."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(redis_url):
    return connect(redis_url)
