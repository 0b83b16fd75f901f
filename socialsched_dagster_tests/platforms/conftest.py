"""Platform client fixtures: one real sandbox server for the folder, reset before each test.

The sandbox requires appsecret_proof and checks the Google client, so every Graph call in these
tests also proves the proof is sent; its Instagram cap is 2 so the quota is reached quickly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.facebook import FacebookClient
from socialsched_dagster.platforms.instagram import InstagramClient
from socialsched_dagster.platforms.youtube import YouTubeClient
from socialsched_dagster.sandbox.process import SandboxProcess

# The pipeline's fixtures (a sandbox with a journal, both databases, real Redis, a Dagster home)
# for the folders' runs through the publishing job: imported once here, not in each folder's
# conftest, so that the folders share one session sandbox instead of starting one each.
from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401  (fixtures)
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)

from .helpers import APP_ID, APP_SECRET, GOOGLE_ID, GOOGLE_SECRET, Recording

SETTINGS = {
    "meta_app_id": APP_ID,
    "meta_app_secret": APP_SECRET,
    "require_appsecret_proof": True,
    "google_client_id": GOOGLE_ID,
    "google_client_secret": GOOGLE_SECRET,
    "ig_quota_total": 2,
    # A lost response is held 3 s; clients give up after 1 s, so a drop costs about 1 s.
    "faults": {"video_processing_seconds": 0.6, "drop_hold_seconds": 3},
}


@pytest.fixture(scope="session")
def _sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(settings=SETTINGS) as sb:
        yield sb


@pytest.fixture
def sb(_sandbox: SandboxProcess) -> SandboxProcess:
    _sandbox.control.reset()
    return _sandbox


@pytest.fixture
def config(sb: SandboxProcess) -> PlatformConfig:
    return PlatformConfig.for_sandbox(
        sb.base_url,
        meta_app_id=APP_ID,
        meta_app_secret=APP_SECRET,
        google_client_id=GOOGLE_ID,
        google_client_secret=GOOGLE_SECRET,
        connect_timeout_s=1.0,
        read_timeout_s=1.0,
        write_timeout_s=1.0,
        pool_timeout_s=1.0,
        container_poll_interval_s=0.1,
        container_poll_timeout_s=5.0,
    )


@pytest.fixture
def guard() -> Recording:
    return Recording()


@pytest.fixture
def ig(config: PlatformConfig, guard: Recording) -> Iterator[InstagramClient]:
    client = InstagramClient(config, guard)
    yield client
    client.close()


@pytest.fixture
def fb(config: PlatformConfig, guard: Recording) -> Iterator[FacebookClient]:
    client = FacebookClient(config, guard)
    yield client
    client.close()


@pytest.fixture
def yt(config: PlatformConfig, guard: Recording) -> Iterator[YouTubeClient]:
    client = YouTubeClient(config, guard)
    yield client
    client.close()
