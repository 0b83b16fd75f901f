"""The shared limiter: several processes, both budgets, timeouts, and the usage-header slow-down."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Usage
from socialsched_dagster.resilience import RateLimits, ResilientGuard
from socialsched_dagster.resilience.rate_limiter import RateLimiter, plan_slow_down
from socialsched_dagster.resilience.redis_windows import RedisWindows
from socialsched_dagster.resilience.windows import Budget

IG = Platform.INSTAGRAM
LIMIT, WINDOW = 4, 0.6


def _publish_from_own_process(url, ns, account, calls, start, results):
    """One 'run': its own process, its own guard, the same Redis."""
    limits = RateLimits.from_dict(
        {"platforms": {"instagram": {"app_calls": LIMIT, "account_calls": 100, "window_s": WINDOW}}}
    )
    guard = ResilientGuard(url, limits, namespace=ns, max_wait_s=10)
    start.wait()
    granted, waited = [], 0.0
    for _ in range(calls):
        started = time.monotonic()
        granted.append(guard.call(IG, account, time.time))  # fn runs right after the grant
        waited += time.monotonic() - started
    results.put((granted, waited))


def test_processes_sharing_redis_never_exceed_the_window_budget(redis_url, ns):
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_publish_from_own_process, args=(redis_url, ns, f"acct{i}", 5, start, results)
        )
        for i in range(3)
    ]
    for p in procs:
        p.start()
    start.set()
    outcomes = [results.get(timeout=20) for _ in procs]
    for p in procs:
        p.join(timeout=5)
        assert p.exitcode == 0

    times = sorted(t for granted, _ in outcomes for t in granted)
    assert len(times) == 15
    # Any LIMIT+1 consecutive grants span at least one window (50 ms for the time a process
    # takes to note the time after its grant).
    for first, last in zip(times, times[LIMIT:], strict=False):
        assert last - first >= WINDOW - 0.05, (first, last)
    assert times[-1] - times[0] >= 3 * WINDOW - 0.05  # 15 calls at 4 per window: 4 windows
    assert sum(waited for _, waited in outcomes) > 1.0  # they waited rather than failed


def test_both_budgets_apply_and_a_refused_call_consumes_nothing(client, ns):
    limiter = RateLimiter(RedisWindows(client))
    app = Budget(f"{ns}:app", 3, 30)
    alice, bob = Budget(f"{ns}:alice", 2, 30), Budget(f"{ns}:bob", 5, 30)

    assert limiter.acquire([app, alice], timeout_s=0) == pytest.approx(0, abs=0.05)
    limiter.acquire([app, alice], timeout_s=0)
    with pytest.raises(PublishError) as account_full:
        limiter.acquire([app, alice], timeout_s=0.2)
    limiter.acquire([app, bob], timeout_s=0)  # the app's third and last call
    with pytest.raises(PublishError) as app_full:
        limiter.acquire([app, bob], timeout_s=0.2)

    for refused in (account_full.value, app_full.value):
        assert refused.kind is ErrorKind.RATE_LIMITED and refused.code == "rate_budget"
        assert 29 < refused.retry_after_s <= 30
    assert f"{ns}:app" in str(app_full.value)
    # bob's refused call took nothing from bob: 4 of his 5 are left.
    for _ in range(4):
        limiter.acquire([bob], timeout_s=0)
    with pytest.raises(PublishError):
        limiter.acquire([bob], timeout_s=0)


def test_acquire_sleeps_until_a_slot_frees(client, ns):
    limiter = RateLimiter(RedisWindows(client))
    budget = Budget(f"{ns}:b", 2, 0.4)
    limiter.acquire([budget], 1)
    limiter.acquire([budget], 1)
    assert 0.3 < limiter.acquire([budget], timeout_s=2) < 0.7


def _guards(redis_url, ns, **limits):
    """A guard that waits and one that only peeks, on the same shared state (like two runs)."""
    config = RateLimits.from_dict(
        {"platforms": {"instagram": {"account_calls": 40, "window_s": 2}}, **limits}
    )
    return (
        ResilientGuard(redis_url, config, namespace=ns, max_wait_s=5),
        ResilientGuard(redis_url, config, namespace=ns, max_wait_s=0.05),
    )


def _retry_after(guard, account="a1"):
    with pytest.raises(PublishError) as refused:
        guard.call(IG, account, lambda: pytest.fail("called over budget"))
    assert refused.value.kind is ErrorKind.RATE_LIMITED
    return refused.value.retry_after_s


def test_usage_at_95_percent_spreads_calls_out(redis_url, ns):
    waiting, peeking = _guards(redis_url, ns)
    peeking.observe_usage(IG, "a1", Usage(percent=79))
    assert peeking.call(IG, "a1", lambda: "sent") == "sent"  # under 80 %: no slow-down

    # 95 % of 40 calls per 2 s leaves 2 calls: one per second.
    waiting.observe_usage(IG, "a1", Usage(percent=95))
    assert 0.8 < _retry_after(peeking) <= 1.0
    assert 0.8 < waiting.acquire(IG, "a1") < 1.3
    assert 0.8 < _retry_after(peeking) <= 1.0  # still paced after the call, in every run
    assert peeking.call(IG, "other-account", lambda: "sent") == "sent"

    waiting.observe_usage(IG, "a1", Usage(percent=40))  # the platform's count came down
    assert peeking.call(IG, "a1", lambda: "sent") == "sent"


def test_usage_at_100_percent_pauses_until_regain(redis_url, ns):
    waiting, peeking = _guards(redis_url, ns, pause_without_regain_s=0.4)
    waiting.observe_usage(IG, "a1", Usage(percent=100, regain_after_s=0.8))
    assert 0.6 < _retry_after(peeking) <= 0.8
    assert 0.6 < waiting.acquire(IG, "a1") < 1.1

    waiting.observe_usage(IG, "a2", Usage(percent=104))  # no estimate: the configured pause
    assert 0.2 < _retry_after(peeking, "a2") <= 0.4

    waiting.observe_app_usage(IG, Usage(percent=100, regain_after_s=0.5))  # the whole app
    assert 0.3 < _retry_after(peeking, "a3") <= 0.5


def test_a_platform_retry_after_holds_the_account_back_in_every_run(redis_url, ns):
    waiting, peeking = _guards(redis_url, ns)
    throttled = PublishError(
        ErrorKind.RATE_LIMITED, "(#17) User request limit reached", retry_after_s=0.6
    )

    def refused():
        raise throttled

    with pytest.raises(PublishError) as seen:
        waiting.call(IG, "a1", refused)
    assert seen.value is throttled  # unchanged
    assert 0.4 < _retry_after(peeking) <= 0.6


def test_slow_down_plan_numbers():
    graph = Budget("k", 200, 3600)
    assert plan_slow_down(Usage(80), graph, 80, 60).pace_s == pytest.approx(90)
    assert plan_slow_down(Usage(95), graph, 80, 60).pace_s == pytest.approx(360)
    assert plan_slow_down(Usage(99.9), graph, 80, 60).pace_s == pytest.approx(3600)
    assert plan_slow_down(Usage(50), graph, 80, 60).pace_s == 0
    assert plan_slow_down(Usage(100), graph, 80, 60).pause_s == 60
    assert plan_slow_down(Usage(30, regain_after_s=120), graph, 80, 60).pause_s == 120
