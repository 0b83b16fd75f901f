"""Bluesky client fixtures: the platform folder's sandbox (reset before each test) as the
account's PDS, and the pipeline's fixtures (a sandbox with a journal, both databases, real
Redis) for the run through the real worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.bluesky import BlueskyClient
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401  (fixtures)
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)

from ..helpers import Recording


@pytest.fixture
def bsky(config: PlatformConfig, guard: Recording) -> Iterator[BlueskyClient]:
    client = BlueskyClient(config, guard)
    yield client
    client.close()
