"""LinkedIn client fixtures on the folder's sandbox (platforms/conftest.py, reset before each
test), and the pipeline's fixtures (a sandbox with a journal, both databases, real Redis) for
the runs through the real worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.linkedin import LinkedInClient
from socialsched_dagster.platforms.linkedin.settings import LinkedInSettings
from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401  (fixtures)
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)

from ..helpers import Recording
from .helpers import CLIENT_ID, CLIENT_SECRET

SETTINGS = LinkedInSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture
def li(config: PlatformConfig, guard: Recording) -> Iterator[LinkedInClient]:
    client = LinkedInClient(config, guard, settings=SETTINGS)
    yield client
    client.close()
