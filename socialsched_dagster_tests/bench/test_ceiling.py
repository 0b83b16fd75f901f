"""The ceiling scenario against a real sandbox: every target published once, failures and
throttles counted as such."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialsched_dagster.bench.ceiling import SANDBOX_SETTINGS, run_ceiling
from socialsched_dagster.sandbox.process import SandboxProcess

TARGETS = 30
# Instagram and YouTube make three calls per target, Facebook one; 30 targets are 10 each.
CALLS = 10 * 3 + 10 * 1 + 10 * 3


@pytest.fixture(scope="module")
def _process() -> Iterator[SandboxProcess]:
    with SandboxProcess(settings=SANDBOX_SETTINGS) as sb:
        yield sb


@pytest.fixture
def sandbox(_process: SandboxProcess) -> SandboxProcess:
    _process.control.reset()  # the ceiling wants a fresh sandbox: quotas and ledger persist
    return _process


def _run(sandbox: SandboxProcess) -> dict:
    return run_ceiling(sandbox, targets=TARGETS, accounts_per_platform=2, concurrency=8)


def test_every_target_is_published_once(sandbox: SandboxProcess) -> None:
    result = _run(sandbox)

    assert result["published"] == TARGETS and result["failed"] == 0, result
    assert result["duplicates"] == 0
    assert result["calls"] == CALLS
    assert result["rate_limited"] == 0 and result["rate_limit_violations"] == 0
    ledger = sandbox.control.ledger()
    assert sorted(int(e["target"]) for e in ledger) == list(range(1, TARGETS + 1))
    # daemon_scenario.seed's round-robin: instagram 0, 1, facebook 0, 1, youtube 0, 1, ...
    accounts = [f"{p}{i:06d}" for p in ("in", "fa", "yo") for i in range(2)]
    assert all(e["account"] == accounts[(int(e["target"]) - 1) % 6] for e in ledger)


def test_a_refused_call_counts_as_failed(sandbox: SandboxProcess) -> None:
    sandbox.control.set_faults(error_rates={"fb_feed": {"rate": 1.0, "status": 500}})

    result = _run(sandbox)

    assert result["failed"] == 10 and result["published"] == 20
    assert result["failures"] == {"facebook feed: HTTP 500": 10}
    assert not [e for e in sandbox.control.ledger() if e["platform"] == "facebook"]


def test_a_throttle_with_retry_after_is_waited_out(sandbox: SandboxProcess) -> None:
    sandbox.control.set_faults(
        storm_429={"seconds": 0.5, "retry_after": 1, "endpoints": "yt_session"}
    )

    result = _run(sandbox)

    assert result["published"] == TARGETS and result["duplicates"] == 0
    assert result["rate_limited"] >= 1


def test_a_video_larger_than_a_chunk_goes_up_in_chunks(sandbox: SandboxProcess) -> None:
    # One target per platform; the video is one byte over the 8 MiB chunk: two PUTs of bytes.
    result = run_ceiling(
        sandbox, targets=3, accounts_per_platform=1, concurrency=3, video_size=8 * 1024 * 1024 + 1
    )

    assert result["published"] == 3 and result["calls"] == 3 + 1 + 4
