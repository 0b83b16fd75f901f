"""Bluesky client fixtures: the platform folder's sandbox (reset before each test) as the
account's PDS. The pipeline's fixtures for the run through the publishing job come from
platforms/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.bluesky import BlueskyClient
from socialsched_dagster.platforms.config import PlatformConfig

from ..helpers import Recording


@pytest.fixture
def bsky(config: PlatformConfig, guard: Recording) -> Iterator[BlueskyClient]:
    client = BlueskyClient(config, guard)
    yield client
    client.close()
