"""Threads client fixtures on the folder's sandbox (platforms/conftest.py, which also provides
the pipeline's fixtures for the exactly-once run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.threads import ThreadsClient

from ..helpers import Recording


@pytest.fixture
def th(config: PlatformConfig, guard: Recording) -> Iterator[ThreadsClient]:
    client = ThreadsClient(config, guard)
    yield client
    client.close()
