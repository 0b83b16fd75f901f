"""End-to-end fixtures: the sandbox over real HTTP, real Redis, the app DB on both backends,
and a Dagster home; runs execute as real `dagster job execute` processes where crashes,
signals or concurrency matter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance

from socialsched_dagster.cli.demo_cmd import sandbox_env
from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.intake.post_request import PostRequest
from socialsched_dagster.pipeline.partitions import partition_key
from socialsched_dagster.sandbox.process import SandboxProcess
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.due import hour_floor
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts

REPO = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")
EXTERNAL_IDS = {
    Platform.INSTAGRAM: "17841400000000077",
    Platform.FACEBOOK: "100000000000077",
    Platform.YOUTUBE: "UCtest00000000000000077",
}


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    state = tmp_path_factory.mktemp("sandbox") / "state.jsonl"
    with SandboxProcess(state_file=state) as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox):
    sandbox.control.reset()
    yield sandbox
    sandbox.control.reset()


@pytest.fixture
def pipeline_env(
    db_url, clean_sandbox, real_or_embedded_redis_url, tmp_path, token_key, monkeypatch
):
    import redis

    redis.Redis.from_url(real_or_embedded_redis_url).flushdb()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {
        **sandbox_env(clean_sandbox.base_url),
        "SOCIALSCHED_DATABASE_URL": db_url,
        "SOCIALSCHED_HOME": str(tmp_path / "home"),
        "SOCIALSCHED_TOKEN_KEY": token_key,
        "REDIS_URL": real_or_embedded_redis_url,
        "DAGSTER_HOME": str(home),
        # Test-sized timings: short leases and idle exits, quick client timeouts.
        "SOCIALSCHED_PUBLISH_IDLE_EXIT_S": "3",
        "SOCIALSCHED_PUBLISH_SENSOR_LEAD_S": "0",
        "SOCIALSCHED_PUBLISH_LEASE_S": "6",
        "SOCIALSCHED_PUBLISH_POLL_S": "0.2",
        # A fence extends a lease to cover its call's timeouts: test-sized timeouts keep a dead
        # run's leases short (8 s + 5 s of slack).
        "SOCIALSCHED_PLATFORM_CONNECT_TIMEOUT_S": "1",
        "SOCIALSCHED_PLATFORM_POOL_TIMEOUT_S": "1",
        "SOCIALSCHED_PLATFORM_WRITE_TIMEOUT_S": "2",
        "SOCIALSCHED_PLATFORM_READ_TIMEOUT_S": "4",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # Create Dagster's storage once: run processes starting together would race to migrate it.
    with DagsterInstance.get():
        pass
    return env


def wait_for(predicate, timeout=30.0, interval=0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def finish(proc, timeout=120) -> tuple[int, str]:
    """Wait for a run process started with `world.run(..., wait=False)`; kill it if it hangs."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"the run did not finish within {timeout} s:\n{out[-4000:]}")
    return proc.returncode, out


@dataclass
class World:
    db: Database
    sandbox: SandboxProcess
    env: dict
    account_ids: dict

    def schedule(
        self, platform: Platform, count: int, due_in_s: float = 2.0, **content
    ) -> list[int]:
        """`count` posts for `platform`, due `due_in_s` from now (all in the same hour window)."""
        due = utcnow() + timedelta(seconds=due_in_s)
        self.last_due = due
        requests = [
            PostRequest(_content(platform, i, **content), due, "UTC",
                        (self.account_ids[platform],), frozenset(), None,
                        f"{platform.value}-{due.timestamp()}-{i}")
            for i in range(count)
        ]  # fmt: skip
        return self.db.transaction(lambda s: insert_posts(s, requests))

    def statuses(self, platform: Platform | None = None) -> dict[int, str]:
        with self.db.session() as s:
            q = s.query(PostTarget)
            if platform:
                q = q.filter(PostTarget.platform == platform.value)
            return {t.id: t.status for t in q}

    def wait_for_leases_to_expire(self, timeout: float = 60.0) -> None:
        """Until no target is held by a lease that is still running (a dead run's)."""

        def expired() -> bool:
            now = self.db.now()
            with self.db.session() as s:
                leases = [t.lease_until for t in s.query(PostTarget) if t.lease_until]
            return all(until < now for until in leases)

        assert wait_for(expired, timeout=timeout, interval=0.5), "leases never ran out"

    def targets(self) -> list[PostTarget]:
        with self.db.session() as s:
            return s.query(PostTarget).order_by(PostTarget.id).all()

    def ledger(self) -> list[dict]:
        return self.sandbox.control.ledger()

    def assert_exactly_once(self) -> None:
        published = [t for t in self.targets() if t.status == "published"]
        # A thread's segments after the head are tagged `<target>.<segment>`.
        tags = [e["target"] for e in self.ledger() if e.get("target")]
        assert len(tags) == len(set(tags)), f"duplicates in the ledger: {sorted(tags)}"
        expected = [
            str(t.id) if n == 0 else f"{t.id}.{n}"
            for t in published
            for n in range(max(t.segments_done, 1))
        ]
        assert sorted(tags) == sorted(expected)

    def run(
        self,
        platform: Platform,
        *,
        trigger: str | None = "sensor",
        wait=True,
        partition: str | None = None,
        extra_env: dict | None = None,
    ):
        """Execute the platform's job for the current window as a real Dagster run process."""
        key = partition or partition_key(hour_floor(getattr(self, "last_due", utcnow())))
        tags = {"dagster/partition": key}
        if trigger:
            tags["socialsched/trigger"] = trigger
        cmd = [DAGSTER, "job", "execute", "-m", "socialsched_dagster.definitions",
               "-j", f"publish_{platform.value}", "--tags", json.dumps(tags)]  # fmt: skip
        proc = subprocess.Popen(
            cmd, cwd=REPO, env={**os.environ, **self.env, **(extra_env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        if not wait:
            return proc
        out, _ = proc.communicate(timeout=240)
        return proc.returncode, out


def _content(platform: Platform, i: int, **overrides) -> PostContent:
    if platform is Platform.INSTAGRAM:
        image = Media(f"https://cdn.example.com/{i}.jpg", MediaKind.IMAGE)
        base = PostContent(text=f"ig post {i} #test", media=(image,))
    elif platform is Platform.FACEBOOK:
        base = PostContent(text=f"fb post {i} at {time.time()}")
    else:
        video = Media(f"https://cdn.example.com/{i}.mp4", MediaKind.VIDEO)
        base = PostContent(title=f"video {i}", description="test", media=(video,))
    return PostContent(**{**base.__dict__, **overrides})


@pytest.fixture
def world(pipeline_env, db, clean_sandbox, cipher) -> World:
    def work(s):
        ids = {}
        for platform, external_id in EXTERNAL_IDS.items():
            issued = clean_sandbox.control.mint_token(platform.value, external_id)
            account = add_account(
                s, cipher, platform=platform, external_id=external_id,
                handle=f"test_{platform.value}", access_token=issued["access_token"],
                refresh_token=issued.get("refresh_token"),
            )  # fmt: skip
            ids[platform] = account.id
        return ids

    return World(db, clean_sandbox, pipeline_env, db.transaction(work))
