"""The ceiling scenario against a real sandbox: every platform's sample posts published once
through its own calls, failures and throttles counted as such."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from socialsched_dagster.bench.accounts import external_id
from socialsched_dagster.bench.ceiling import SANDBOX_SETTINGS, run_ceiling
from socialsched_dagster.bench.ceiling_calls import speaker
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.registry import specs
from socialsched_dagster.sandbox.process import SandboxProcess

ACCOUNTS = 2
# Three rounds over every account: each platform gets 6 posts, enough for every variant of its
# samples (Threads and X alternate text and image posts, LinkedIn has three kinds).
TARGETS = 3 * ACCOUNTS * len(Platform)
PER_PLATFORM = TARGETS // len(Platform)


@pytest.fixture(scope="module")
def _process() -> Iterator[SandboxProcess]:
    with SandboxProcess(settings=SANDBOX_SETTINGS) as sb:
        yield sb


@pytest.fixture
def sandbox(_process: SandboxProcess) -> SandboxProcess:
    _process.control.reset()  # the ceiling wants a fresh sandbox: quotas and ledger persist
    return _process


def _run(sandbox: SandboxProcess, **kw) -> dict:
    return run_ceiling(
        sandbox, **{"targets": TARGETS, "accounts_per_platform": ACCOUNTS, "concurrency": 8, **kw}
    )


def test_the_ceiling_speaks_every_platform_of_the_registry() -> None:
    assert all(callable(speaker(p)) for p in Platform)


def test_every_platform_s_targets_are_published_once(sandbox: SandboxProcess) -> None:
    result = _run(sandbox)

    assert result["published"] == TARGETS and result["failed"] == 0, result["failures"]
    assert result["duplicates"] == 0
    assert result["rate_limited"] == 0 and result["rate_limit_violations"] == 0
    ledger = sandbox.control.ledger()
    assert sorted(int(e["target"]) for e in ledger) == list(range(1, TARGETS + 1))
    # daemon_scenario.seed's round-robin: every platform's accounts in registry order.
    accounts = [(s.platform.value, external_id(s, i)) for s in specs() for i in range(ACCOUNTS)]
    assert all(
        (e["platform"], e["account"]) == accounts[(int(e["target"]) - 1) % len(accounts)]
        for e in ledger
    )
    assert Counter(e["platform"] for e in ledger) == {p.value: PER_PLATFORM for p in Platform}
    assert result["by_platform"] == {
        p.value: {"posts": PER_PLATFORM, "duplicates": 0} for p in Platform
    }
    stats = sandbox.control.stats()
    # The loop counts what it sent as the sandbox counts what it served.
    assert result["calls"] == stats["requests_total"]
    # One Bluesky login per account for the whole run, not one per post.
    assert stats["requests"]["bluesky_create_session"] == ACCOUNTS


def test_a_refused_call_counts_as_failed(sandbox: SandboxProcess) -> None:
    sandbox.control.set_faults(error_rates={"fb_feed": {"rate": 1.0, "status": 500}})

    result = _run(sandbox)

    assert result["failed"] == PER_PLATFORM and result["published"] == TARGETS - PER_PLATFORM
    assert result["failures"] == {"facebook draft: HTTP 500": PER_PLATFORM}
    assert not [e for e in sandbox.control.ledger() if e["platform"] == "facebook"]


def test_a_throttle_with_retry_after_is_waited_out(sandbox: SandboxProcess) -> None:
    sandbox.control.set_faults(
        storm_429={"seconds": 0.5, "retry_after": 1, "endpoints": "yt_session"}
    )

    result = _run(sandbox)

    assert result["published"] == TARGETS and result["duplicates"] == 0
    assert result["rate_limited"] >= 1


def test_a_video_larger_than_a_chunk_goes_up_in_chunks(sandbox: SandboxProcess) -> None:
    # One target per platform; the video is one byte over the 8 MiB chunk: the status PUT and
    # two PUTs of bytes.
    result = run_ceiling(
        sandbox, targets=len(Platform), accounts_per_platform=1, concurrency=4,
        video_size=8 * 1024 * 1024 + 1,
    )  # fmt: skip

    assert result["published"] == len(Platform)
    assert sandbox.control.stats()["requests"]["yt_upload"] == 3
