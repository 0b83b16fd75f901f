"""Resilience end to end: breaker, platform throttling, malformed answers, Redis loss and the
status every error kind leaves a target in (sandbox over HTTP, and a real redis-server of each
test's own). Runs that are watched or stopped while they go execute as real run processes; runs
that only have to finish execute the publishing job in this process (`execute_window`)."""

import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis

from socialsched_dagster.cli.demo_cmd import sandbox_env
from socialsched_dagster.domain.content import Media, MediaKind
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.resilience import BreakerSettings, ResilientGuard
from socialsched_dagster.sandbox.process import SandboxProcess
from socialsched_dagster.store.models import Account, PostTarget, PublishAttempt

from .conftest import EXTERNAL_IDS, finish, wait_for
from .inprocess import execute_window

FB, IG = Platform.FACEBOOK, Platform.INSTAGRAM
IG_ENDPOINTS = (
    "ig_create_container",
    "ig_container_status",
    "ig_publish",
    "ig_publishing_limit",
    "ig_media_list",
)
# These behaviours live in the clients, the guard and the run loop, not in SQL: each runs on
# one backend (alternating), while the claim and record queries run on both elsewhere.
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
FAST_RETRIES = {"SOCIALSCHED_PUBLISH_RETRY_SCALE": "0.01"}


def stop(proc) -> None:
    """Kill a run the test gave up on, so a failure does not leave it publishing."""
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def attempts(world, target_id: int | None = None) -> list[PublishAttempt]:
    with world.db.session() as s:
        q = s.query(PublishAttempt).order_by(PublishAttempt.id)
        if target_id is not None:
            q = q.filter(PublishAttempt.target_id == target_id)
        return q.all()


def target(world, target_id: int) -> PostTarget:
    (found,) = [t for t in world.targets() if t.id == target_id]
    return found


def targets_of(world, platform: Platform) -> list[PostTarget]:
    return [t for t in world.targets() if t.platform == platform.value]


def ledger_targets(entries: list[dict]) -> list[int]:
    return sorted(int(e["target"]) for e in entries if e.get("target"))


class RedisServer:
    """A redis-server of the test's own: shared state no other test session can flush or
    share (every session uses the same account ids), and one a test may kill."""

    def __init__(self, binary: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{port}/0"
        args = [binary, "--port", str(port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]  # nothing survives a kill
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def up() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        assert wait_for(up, timeout=10, interval=0.02), "redis-server did not start"

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@pytest.fixture
def own_redis():
    binary = shutil.which("redis-server")
    server = RedisServer(binary) if binary else None
    yield server
    if server is not None:
        server.kill()


@pytest.fixture
def world(world, own_redis, monkeypatch):
    """The conftest world, with its runs (processes and in-process) and this test's guards on
    the test's own Redis (the shared one when no redis-server binary is installed)."""
    if own_redis is not None:
        world.env["REDIS_URL"] = own_redis.url
        monkeypatch.setenv("REDIS_URL", own_redis.url)
    return world


def set_env(monkeypatch, env: dict) -> None:
    """Settings of the next in-process run (each run reads them as it starts)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)


# -- 1. a 5xx storm opens the breaker ------------------------------------------------------------

FAIL_MAX, RESET_S = 3, 6.0


@ON_POSTGRESQL
def test_a_5xx_storm_opens_the_instagram_breaker_and_facebook_carries_on(world):
    breaker_env = {
        "SOCIALSCHED_BREAKER_FAIL_MAX": str(FAIL_MAX),
        "SOCIALSCHED_BREAKER_RESET_S": str(RESET_S),
        **FAST_RETRIES,
    }
    guard = ResilientGuard(
        world.env["REDIS_URL"], breaker=BreakerSettings(fail_max=FAIL_MAX, reset_timeout_s=RESET_S)
    )
    world.sandbox.control.set_faults(
        error_rates={name: {"rate": 1.0, "status": 503} for name in IG_ENDPOINTS}
    )
    ig_ids = world.schedule(IG, 5, due_in_s=5)
    fb_ids = world.schedule(FB, 3, due_in_s=5)
    # One IG worker: calls go one at a time, so exactly what the breaker lets through is seen.
    ig_run = world.run(
        IG, wait=False, extra_env={**breaker_env, "SOCIALSCHED_PUBLISH_WORKERS": "1"}
    )
    fb_run = world.run(FB, wait=False, extra_env=breaker_env)
    try:

        def storm_seen_by_every_ig_target() -> bool:
            tried = {a.target_id for a in attempts(world)}
            # ... and Facebook's posts out meanwhile (two calls each: a draft, then public).
            fb_done = set(world.statuses(FB).values()) == {"published"}
            return guard.breaker_state(IG) == "open" and set(ig_ids) <= tried and fb_done

        assert wait_for(storm_seen_by_every_ig_target, timeout=40, interval=0.05), guard.health()
        # What the storm left, read before the half-open trial (RESET_S later) can add a call.
        stats = world.sandbox.control.stats()
        during_storm = targets_of(world, IG)
        tried = attempts(world)
        ig_published = [e for e in world.ledger() if e["platform"] == "instagram"]
        # The platform recovers: after RESET_S the breaker half-opens, one trial call succeeds,
        # and the run, which waits on the back-offs, publishes everything.
        world.sandbox.control.clear_faults()
        recovered_at = time.time()

        ig_calls = {e: n for e, n in stats["requests"].items() if e.startswith("ig_")}
        assert sum(ig_calls.values()) <= FAIL_MAX, ig_calls
        assert stats["errors_injected"].get("ig_create_container", 0) <= FAIL_MAX
        assert ig_published == []
        for t in during_storm:
            # Waiting for a retry (claimed again shortly before it may go), never given up on.
            assert t.status in ("scheduled", "publishing"), (t.id, t.status, t.error_message)
            assert t.error_kind == ErrorKind.PLATFORM_UNAVAILABLE.value, t.error_message
            assert t.next_attempt_at is not None and t.external_post_id is None
        refused = [a for a in tried if a.error_code == "circuit_open"]
        assert refused, [(a.target_id, a.outcome, a.message) for a in tried]
        for a in refused:
            assert a.outcome == "retry" and "circuit open for instagram" in a.message
            assert a.error_kind == ErrorKind.PLATFORM_UNAVAILABLE.value
            assert a.latency_ms < 1000  # refused at once, without waiting on the platform

        # Facebook went on publishing while Instagram was down.
        code, out = finish(fb_run)
        assert code == 0, out
        assert world.statuses(FB) == dict.fromkeys(fb_ids, "published")
        fb_entries = [e for e in world.ledger() if e["platform"] == "facebook"]
        assert all(e["ts"] < recovered_at for e in fb_entries), fb_entries

        code, out = finish(ig_run)
        assert code == 0, out
    finally:
        stop(ig_run)
        stop(fb_run)
    assert world.statuses(IG) == dict.fromkeys(ig_ids, "published")
    world.assert_exactly_once()
    assert guard.breaker_state(IG) == "closed"
    assert guard.health()["breakers"]["facebook"]["state"] == "closed"


# -- 2. a 429 storm with Retry-After ------------------------------------------------------------


@ON_SQLITE
def test_a_429_with_retry_after_is_honoured_and_shared(world):
    world.sandbox.control.set_faults(
        storm_429={"seconds": 60, "retry_after": 2, "endpoints": ["fb_feed"]}
    )
    (target_id,) = world.schedule(FB, 1, due_in_s=3)
    proc = world.run(FB, wait=False, extra_env=FAST_RETRIES)
    try:
        assert wait_for(lambda: any(a.outcome == "retry" for a in attempts(world)), timeout=40)
        # The storm ends at once: only Retry-After may keep the post back from here on.
        world.sandbox.control.set_faults(storm_429=None)
        (throttled,) = attempts(world)
        assert throttled.error_kind == ErrorKind.RATE_LIMITED.value, throttled.message
        t = target(world, target_id)
        assert t.status in ("scheduled", "publishing")  # claimed again ahead of its retry time
        assert t.error_kind == ErrorKind.RATE_LIMITED.value
        # Not before Retry-After: counted from the answer, which came before finished_at.
        assert t.next_attempt_at >= throttled.finished_at + timedelta(seconds=2 - 0.05)

        # Shared: another process's guard on the same Redis holds this account back too, for
        # what the platform asked (2 s), not more.
        other = ResilientGuard(world.env["REDIS_URL"], max_wait_s=0.01)
        with pytest.raises(PublishError) as paused:
            other.acquire(FB, EXTERNAL_IDS[FB])
        assert paused.value.kind is ErrorKind.RATE_LIMITED
        other.acquire(FB, "100000000000078")  # another page of the app is not held back
        assert 0 < paused.value.retry_after_s <= 2.0 + 0.5, (
            f"account paused {paused.value.retry_after_s:.1f} s after a 429 with Retry-After: 2"
        )

        code, out = finish(proc, timeout=30)
        assert code == 0, out
    finally:
        stop(proc)
    assert world.statuses() == {target_id: "published"}
    (entry,) = world.ledger()
    assert entry["ts"] >= throttled.finished_at.timestamp() + 2 - 0.05
    world.assert_exactly_once()
    stats = world.sandbox.control.stats()
    assert stats["throttled"] == {"fb_feed": 1} and stats["requests"]["fb_feed"] == 2
    assert [a.outcome for a in attempts(world)] == ["retry", "published"]


# -- 3. a malformed answer fails only its target ------------------------------------------------


@ON_POSTGRESQL
def test_a_malformed_answer_fails_only_its_target(world):
    world.sandbox.control.set_faults(malformed={"endpoints": ["ig_container_status"], "count": 1})
    ids = world.schedule(IG, 4, due_in_s=2)
    ok, out = execute_window(world, IG)
    assert ok, out
    statuses = world.statuses()
    failed = [i for i in ids if statuses[i] == "failed"]
    assert len(failed) == 1, statuses
    assert [statuses[i] for i in ids if i not in failed] == ["published"] * 3
    bad = target(world, failed[0])
    assert "malformed response" in bad.error_message
    assert "container status" in bad.error_message
    assert bad.external_post_id is None
    (attempt,) = attempts(world, bad.id)
    assert attempt.outcome == "failed" and "malformed response" in attempt.message
    assert ledger_targets(world.ledger()) == sorted(i for i in ids if i not in failed)
    world.assert_exactly_once()


# -- 4. Redis dies mid-run ----------------------------------------------------------------------


@ON_SQLITE
def test_redis_killed_mid_run_falls_back_to_local_limits_once(world, own_redis):
    if own_redis is None:
        pytest.skip("redis-server is not installed: no Redis of this test's own to kill")
    world.sandbox.control.set_faults(latency_ms=400)
    ids = world.schedule(FB, 10, due_in_s=3)
    proc = world.run(FB, wait=False, extra_env={"SOCIALSCHED_PUBLISH_WORKERS": "2"})
    try:
        assert wait_for(lambda: len(world.ledger()) >= 2, timeout=40, interval=0.05)
        own_redis.kill()
        published_before = len(world.ledger())
        code, out = finish(proc, timeout=60)
    finally:
        stop(proc)
    assert code == 0, out
    assert published_before < len(ids), "the run was over before Redis went away"
    assert world.statuses() == dict.fromkeys(ids, "published")
    world.assert_exactly_once()
    warnings = [line for line in out.splitlines() if "Redis unreachable" in line]
    assert len(warnings) == 1, out[-4000:]
    assert "now count in this process only" in warnings[0]


# -- 5. every error kind reaches the right status -----------------------------------------------
# rate_limited and platform_unavailable -> scheduled are asserted by tests 2 and 1 above, and
# unknown_outcome -> reconciled by test_exactly_once.py.


@ON_POSTGRESQL
def test_a_platform_validation_error_fails_the_target_with_the_platforms_message(world):
    # 2,300 characters: stored directly, as if our own validation had let it through.
    (bad,) = world.schedule(IG, 1, due_in_s=2, text="x" * 2300)
    (good,) = world.schedule(IG, 1, due_in_s=2)
    ok, out = execute_window(world, IG)
    assert ok, out
    t = target(world, bad)
    assert t.status == "failed" and t.error_kind == ErrorKind.VALIDATION.value
    assert "The caption is too long" in t.error_message
    assert "2,200 characters" in t.error_message
    (attempt,) = attempts(world, bad)
    assert attempt.outcome == "failed" and attempt.http_status == 400
    assert world.statuses()[good] == "published"
    assert ledger_targets(world.ledger()) == [good]
    world.assert_exactly_once()


@ON_SQLITE
def test_a_revoked_token_holds_the_targets_and_flags_the_account(world):
    world.sandbox.control.revoke(EXTERNAL_IDS[FB], "facebook")
    ids = world.schedule(FB, 2, due_in_s=2)
    ok, out = execute_window(world, FB)
    assert ok, out
    assert world.statuses() == dict.fromkeys(ids, "held")
    for t in world.targets():
        assert t.error_kind == ErrorKind.AUTH_EXPIRED.value, t.error_message
    messages = " ".join(t.error_message for t in world.targets())
    assert "Error validating access token" in messages  # the platform's words, at least once
    with world.db.session() as s:
        assert s.get(Account, world.account_ids[FB]).status == "reauth_required"
        assert s.get(Account, world.account_ids[IG]).status == "active"
    assert world.ledger() == []


@ON_POSTGRESQL
def test_an_exhausted_instagram_quota_reschedules_for_later(world, monkeypatch):
    with SandboxProcess(settings={"ig_quota_total": 1}) as capped, monkeypatch.context() as m:
        first, second = world.schedule(IG, 2, due_in_s=2)
        set_env(m, {**sandbox_env(capped.base_url), "SOCIALSCHED_PUBLISH_WORKERS": "1"})
        ok, out = execute_window(world, IG)
        assert ok, out
        ledger = capped.control.ledger()
    statuses = world.statuses()
    assert sorted(statuses.values()) == ["published", "scheduled"], statuses
    (published,) = [i for i in (first, second) if statuses[i] == "published"]
    (waiting,) = [i for i in (first, second) if statuses[i] == "scheduled"]
    assert ledger_targets(ledger) == [published]
    t = target(world, waiting)
    assert t.error_kind == ErrorKind.QUOTA_EXHAUSTED.value, t.error_message
    (attempt,) = attempts(world, waiting)
    assert attempt.outcome == "retry"
    # A slot frees only when a post ages out of the rolling 24 h: not worth asking for a while.
    assert t.next_attempt_at - attempt.finished_at >= timedelta(minutes=15)
    assert world.ledger() == []


@ON_SQLITE
def test_media_still_processing_is_retried_with_the_same_container(world, monkeypatch):
    world.sandbox.control.set_faults(video_processing_seconds=3)
    video = (Media("https://cdn.example.com/clip.mp4", MediaKind.VIDEO),)
    (target_id,) = world.schedule(IG, 1, due_in_s=2, media=video)
    # Polling gives up after 0.5 s each time; the retry back-off (scaled down) brings the target
    # back within the same run until the container is ready.
    set_env(monkeypatch, {"SOCIALSCHED_PLATFORM_CONTAINER_POLL_TIMEOUT_S": "0.5", **FAST_RETRIES})
    ok, out = execute_window(world, IG)
    assert ok, out
    retries = [a for a in attempts(world, target_id) if a.outcome == "retry"]
    assert retries and all(a.error_kind == ErrorKind.MEDIA_PROCESSING.value for a in retries)
    t = target(world, target_id)
    assert t.status == "published" and t.container_id
    (entry,) = world.ledger()
    assert entry["source_id"] == t.container_id and int(entry["target"]) == target_id
    # One container for all the attempts: the retry reused it rather than making another.
    assert world.sandbox.control.stats()["requests"]["ig_create_container"] == 1
    world.assert_exactly_once()


@ON_POSTGRESQL
def test_a_token_that_cannot_be_decrypted_holds_its_posts_instead_of_looping(world):
    from socialsched_dagster.security.token_cipher import TokenCipher, new_key
    from socialsched_dagster.store.models import OAuthToken

    ids = world.schedule(FB, 2, due_in_s=2)
    # Encrypted under a key that is no longer configured (removed before rotation finished).
    stranger = TokenCipher([new_key()]).encrypt("a token nobody can read now")
    with world.db.session() as s, s.begin():
        s.query(OAuthToken).filter_by(account_id=world.account_ids[FB]).update(
            {"access_token_enc": stranger}
        )
    ok, out = execute_window(world, FB)
    assert ok, out
    assert world.statuses() == dict.fromkeys(ids, "held")
    for target_id in ids:
        t = target(world, target_id)
        assert "cannot be decrypted" in t.error_message and t.attempts == 1
    assert world.ledger() == []


@ON_SQLITE
def test_an_ambiguous_answer_is_reconciled_again_before_the_retry_sends(world, monkeypatch):
    # A 200 whose body is unreadable on the call that posts: maybe posted, maybe not.
    world.sandbox.control.set_faults(malformed={"endpoints": ["fb_publish"], "count": 1})
    (target_id,) = world.schedule(FB, 1, due_in_s=2)
    set_env(monkeypatch, FAST_RETRIES)
    ok, out = execute_window(world, FB)
    assert ok, out
    first, *rest = attempts(world, target_id)
    assert (first.outcome, first.error_kind) == ("retry", "unknown_outcome")
    assert [a.outcome for a in rest] == ["published"]
    # The post was read right after the ambiguous answer and again before the retry sent.
    assert world.sandbox.control.stats()["requests"]["fb_post_read"] >= 2
    world.assert_exactly_once()
