"""LinkedIn client fixtures on the folder's sandbox (platforms/conftest.py, reset before each
test; the pipeline's fixtures for the runs through the publishing job come from there too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.linkedin import LinkedInClient
from socialsched_dagster.platforms.linkedin.settings import LinkedInSettings

from ..helpers import Recording
from .helpers import CLIENT_ID, CLIENT_SECRET

SETTINGS = LinkedInSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture
def li(config: PlatformConfig, guard: Recording) -> Iterator[LinkedInClient]:
    client = LinkedInClient(config, guard, settings=SETTINGS)
    yield client
    client.close()
