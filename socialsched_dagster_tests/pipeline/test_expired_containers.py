"""Backfilling old missed posts whose container or upload session died meanwhile.

An Instagram container lives 24 h and a YouTube upload session about a week, by the platform's
clock (the sandbox's, moved forward here). A backfill of such a post must replace what is dead
and publish it once, and must never upload a video a second time when the dead session may
have completed. Publishing runs execute in-process (WindowRun) against the sandbox over HTTP,
with the real resilience guard on Redis, on both database backends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import pytest
import redis

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.registry import build_client
from socialsched_dagster.publishing.settings import PublishSettings
from socialsched_dagster.publishing.summary import RunSummary
from socialsched_dagster.publishing.window_run import WindowRun
from socialsched_dagster.resilience.guard import ResilientGuard
from socialsched_dagster.sandbox.control import SandboxControl
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import PostTarget
from socialsched_dagster.store.publishing import Window

from .conftest import EXTERNAL_IDS, World

T = TypeVar("T")
IG, YT = Platform.INSTAGRAM, Platform.YOUTUBE
DAY = 86400
# Run 1 meets the platform's refusal and backs off for real (the run then goes idle); the
# backfill retries at once, as a drill does.
FIRST = PublishSettings(workers=2, poll_s=0.1, idle_exit_s=1.0, lease_s=10.0)
BACKFILL = PublishSettings(workers=2, poll_s=0.1, idle_exit_s=1.0, lease_s=10.0, retry_scale=0.01)


class ScriptedFaults:
    """The real guard, plus sandbox faults set just before the n-th call (1-based): a failure
    at one exact step of the protocol."""

    def __init__(self, inner: ResilientGuard, control: SandboxControl, script: dict[int, dict]):
        self.inner, self.control, self.script, self.count = inner, control, script, 0

    def call(self, platform: Platform, account: str, fn: Callable[[], T], **_where) -> T:
        self.count += 1
        if self.count in self.script:
            self.control.set_faults(**self.script[self.count])
        return self.inner.call(platform, account, fn)

    def observe_usage(self, platform: Platform, account: str, usage: Any) -> None:
        self.inner.observe_usage(platform, account, usage)


@dataclass
class Harness:
    world: World
    cipher: Any
    redis_url: str

    @property
    def control(self) -> SandboxControl:
        return self.world.sandbox.control

    def run(
        self, platform: Platform, *, backfill: bool = False, script: dict[int, dict] | None = None
    ) -> RunSummary:
        guard: Any = ResilientGuard(self.redis_url)
        if script:
            guard = ScriptedFaults(guard, self.control, script)
        config = PlatformConfig.for_sandbox(
            self.world.sandbox.base_url, connect_timeout_s=2.0, read_timeout_s=2.0,
            write_timeout_s=2.0, pool_timeout_s=2.0, container_poll_interval_s=0.1,
        )  # fmt: skip
        start = hour_floor(self.world.last_due)
        window = Window(platform.value, start, start + timedelta(hours=1))
        settings = BACKFILL if backfill else FIRST
        run_id = f"{'backfill' if backfill else 'sensor'}-{platform.value}-{start:%H%M%S}"
        with build_client(platform, config, guard) as client:
            run = WindowRun(
                self.world.db, self.cipher, client, window, run_id, settings, backfill=backfill
            )
            return run.run()

    def target(self, target_id: int) -> PostTarget:
        with self.world.db.session() as s:
            return s.get(PostTarget, target_id)

    def time_passes(self, target_id: int, seconds: float) -> None:
        """The platform's clock moves on; in our database the post is that much older and was
        missed meanwhile (the stale sweep keeps its container and its "may have been sent")."""
        self.control.clear_faults()
        self.control.advance_clock(seconds)
        with self.world.db.session() as s, s.begin():
            t = s.get(PostTarget, target_id)
            t.due_at -= timedelta(seconds=seconds)
            t.next_attempt_at = None
            t.status = "missed"
            t.lease_owner = t.lease_until = None
        self.world.last_due -= timedelta(seconds=seconds)
        # Rate-limit pauses and breaker counts of run 1 have long run out by then.
        redis.Redis.from_url(self.redis_url).flushdb()


@pytest.fixture
def harness(db, clean_sandbox, cipher, real_or_embedded_redis_url) -> Harness:
    redis.Redis.from_url(real_or_embedded_redis_url).flushdb()

    def accounts(s):
        ids = {}
        for platform in (IG, YT):
            external_id = EXTERNAL_IDS[platform]
            # Tokens that outlive the days the sandbox clock skips.
            issued = clean_sandbox.control.mint_token(platform.value, external_id, expires_in=None)
            account = add_account(
                s, cipher, platform=platform, external_id=external_id,
                handle=f"test_{platform.value}", access_token=issued["access_token"],
                refresh_token=issued.get("refresh_token"),
            )  # fmt: skip
            ids[platform] = account.id
        return ids

    world = World(db, clean_sandbox, {}, db.transaction(accounts))
    return Harness(world, cipher, real_or_embedded_redis_url)


def test_backfill_of_yesterdays_missed_instagram_post_with_an_expired_container(harness):
    [target_id] = harness.world.schedule(IG, 1, due_in_s=1)
    # The first attempt creates the container; Instagram then throttles the account before
    # media_publish is sent (its publishing-limit read), so nothing may have gone out.
    storm = {"seconds": 600, "retry_after": 30, "endpoints": ["ig_publishing_limit"]}
    harness.control.set_faults(storm_429=storm)
    harness.run(IG)
    first = harness.target(target_id)
    assert first.status == "scheduled" and first.container_id and first.error_kind == "rate_limited"
    assert first.maybe_sent_at is None
    harness.time_passes(target_id, DAY + 3600)  # the container is past its 24 h
    harness.run(IG, backfill=True)
    done = harness.target(target_id)
    assert done.status == "published", (done.error_kind, done.error_message)
    [entry] = harness.world.ledger()
    assert entry["target"] == str(target_id) and entry["external_id"] == done.external_post_id
    assert entry["source_id"] != first.container_id  # published from a new container
    assert harness.control.stats()["requests"]["ig_create_container"] == 2


def test_backfill_of_last_weeks_missed_youtube_post_with_an_expired_session(harness):
    [target_id] = harness.world.schedule(YT, 1, due_in_s=1)
    # The first attempt opens the upload session; YouTube then throttles the upload.
    storm = {"seconds": 600, "retry_after": 30, "endpoints": ["yt_upload"]}
    harness.control.set_faults(storm_429=storm)
    harness.run(YT)
    first = harness.target(target_id)
    assert first.status == "scheduled" and first.container_id and first.error_kind == "rate_limited"
    assert first.maybe_sent_at is None
    harness.time_passes(target_id, 8 * DAY)  # the session answers 404 now
    harness.run(YT, backfill=True)
    done = harness.target(target_id)
    assert done.status == "published", (done.error_kind, done.error_message)
    [entry] = harness.world.ledger()
    assert entry["target"] == str(target_id) and entry["external_id"] == done.external_post_id
    assert entry["source_id"] not in first.container_id  # uploaded through a new session
    assert harness.control.stats()["requests"]["yt_session"] == 2


def test_a_dead_session_whose_last_chunk_may_have_gone_through_is_never_uploaded_again(harness):
    [target_id] = harness.world.schedule(YT, 1, due_in_s=1)
    # Calls: 1 opens the session, 2 asks where it stands, 3 sends the (only, final) chunk,
    # whose answer is lost after the video was stored; 4, the reconcile, meets a 500.
    lost = {"drop_after_commit": {"endpoints": ["yt_upload"], "count": 1}, "drop_hold_seconds": 0.3}
    down = {"error_rates": {"yt_upload": {"rate": 1.0, "status": 500}}}
    harness.run(YT, script={3: lost, 4: down})
    first = harness.target(target_id)
    assert first.status == "scheduled" and first.error_kind == "unknown_outcome"
    assert first.maybe_sent_at is not None
    [video] = harness.world.ledger()
    # Nobody could ask the session for a week (e.g. the account was held): it is gone now.
    harness.time_passes(target_id, 8 * DAY)
    harness.run(YT, backfill=True)
    done = harness.target(target_id)
    assert done.status == "published" and done.external_post_id == video["external_id"]
    assert len(harness.world.ledger()) == 1  # found on the channel, not uploaded again
    assert harness.control.stats()["requests"]["yt_session"] == 1
