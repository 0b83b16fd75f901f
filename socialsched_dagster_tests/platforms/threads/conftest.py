"""Threads client fixtures on the folder's sandbox (platforms/conftest.py), and the pipeline
fixtures (a sandbox with a journal, both databases, real Redis) for the exactly-once run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.threads import ThreadsClient
from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401  (fixtures)
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)

from ..helpers import Recording


@pytest.fixture
def th(config: PlatformConfig, guard: Recording) -> Iterator[ThreadsClient]:
    client = ThreadsClient(config, guard)
    yield client
    client.close()
