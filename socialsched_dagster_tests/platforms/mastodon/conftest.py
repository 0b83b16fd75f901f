"""Mastodon client fixtures: the platform folder's sandbox (reset before each test), the
account's server being that sandbox, and test-sized waits. The pipeline's fixtures for the run
through the publishing job come from platforms/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.mastodon import MastodonClient
from socialsched_dagster.platforms.mastodon.settings import MastodonSettings
from socialsched_dagster.security.public_urls import MediaPolicy

from ..helpers import Recording

SETTINGS = MastodonSettings(media_poll_s=0.1, media_wait_s=5.0, instance_cache_s=600)


@pytest.fixture
def m_config(sb) -> PlatformConfig:
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
def masto(m_config: PlatformConfig, guard: Recording) -> Iterator[MastodonClient]:
    client = MastodonClient(m_config, guard, settings=SETTINGS)
    yield client
    client.close()


@pytest.fixture
def instance(sb):
    """`instance(max_characters=50, ...)` changes the sandbox instance's configuration."""

    def change(**settings: Any) -> dict[str, Any]:
        response = httpx.post(f"{sb.base_url}/_sandbox/mastodon/instance", json=settings)
        response.raise_for_status()
        return response.json()

    return change
