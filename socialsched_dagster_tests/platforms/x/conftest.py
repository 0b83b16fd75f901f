"""X client fixtures on the folder's sandbox (platforms/conftest.py, reset before each test;
the pipeline's fixtures for the runs through the publishing job come from there too), and
test-sized media waits."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.x import XClient
from socialsched_dagster.platforms.x.settings import XSettings
from socialsched_dagster.security.public_urls import MediaPolicy

from ..helpers import Recording

SETTINGS = XSettings(client_id="sandbox-x-app", media_poll_s=0.1, media_wait_s=10.0)


@pytest.fixture
def x_config(sb) -> PlatformConfig:
    # The suite's media hosts are stand-ins (conftest.py): generated files are uploaded.
    return PlatformConfig.for_sandbox(
        sb.base_url,
        connect_timeout_s=1.0,
        read_timeout_s=1.0,
        write_timeout_s=1.0,
        pool_timeout_s=1.0,
        media_policy=MediaPolicy.from_env(os.environ),
    )


@pytest.fixture
def xc(x_config: PlatformConfig, guard: Recording) -> Iterator[XClient]:
    client = XClient(x_config, guard, settings=SETTINGS)
    yield client
    client.close()


@pytest.fixture
def limits(sb):
    """`limits(create_per_user=3, ...)` changes the X sandbox's limits until the next reset."""

    def change(**values) -> dict:
        response = httpx.post(f"{sb.base_url}/_sandbox/x/limits", json=values)
        response.raise_for_status()
        return response.json()

    return change
