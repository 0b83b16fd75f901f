"""Sandbox fixtures: real server subprocesses, shared per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import APP_ID, APP_SECRET

# Tight limits so that caps are reached in a handful of calls.
STRICT = {
    "ig_quota_total": 3,
    "graph_account_calls_per_window": 10,
    "graph_app_calls_per_window": 25,
    "yt_quota_units_per_day": 3200,
    "meta_app_id": APP_ID,
    "meta_app_secret": APP_SECRET,
    "google_client_id": "gid",
    "google_client_secret": "gsecret",
}


def _started(**kw) -> Iterator[SandboxProcess]:
    with SandboxProcess(**kw) as sb:
        yield sb


@pytest.fixture(scope="session")
def _default_process() -> Iterator[SandboxProcess]:
    yield from _started(settings={"faults": {"video_processing_seconds": 0.5}})


@pytest.fixture(scope="session")
def _strict_process() -> Iterator[SandboxProcess]:
    yield from _started(settings=STRICT)


@pytest.fixture
def sb(_default_process: SandboxProcess) -> SandboxProcess:
    _default_process.control.reset()
    return _default_process


@pytest.fixture
def strict(_strict_process: SandboxProcess) -> SandboxProcess:
    _strict_process.control.reset()
    return _strict_process


@pytest.fixture
def http(sb: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def strict_http(strict: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=strict.base_url, timeout=10) as client:
        yield client
