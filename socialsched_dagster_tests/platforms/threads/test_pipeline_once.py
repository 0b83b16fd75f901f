"""Threads posts through the real publishing job (executed in process: the point is the
publishing, not the process), on both databases: with 30 % of threads_publish answers lost after
the post went out, every post is published exactly once, the lost ones settled by their
containers."""

from __future__ import annotations

from datetime import timedelta

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.platforms.threads import SANDBOX_PREFIX
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PublishAttempt, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster_tests.pipeline.inprocess import execute_window

P = Platform.THREADS
USER = "27000000000000077"
POSTS = 20  # at 30 %, all 20 answers arrive in 0.08 % of runs


def _content(n: int) -> PostContent:
    if n % 2:
        return PostContent(text=f"threads post {n} #test")
    image = Media(f"https://cdn.example.com/th{n}.jpg", MediaKind.IMAGE)
    return PostContent(text=f"threads post {n} with a picture", media=(image,))


def _schedule(world, cipher, count: int, due_in_s: float) -> list[int]:
    issued = world.sandbox.control.mint_token(P.value, USER)

    def work(s):
        account = add_account(
            s, cipher, platform=P, external_id=USER, handle="test_threads",
            access_token=issued["access_token"],
        )  # fmt: skip
        due = utcnow() + timedelta(seconds=due_in_s)
        world.last_due = due
        requests = [
            PostRequest(_content(n), due, "UTC", (account.id,), frozenset(), None,
                        f"threads-{due.timestamp()}-{n}")
            for n in range(count)
        ]  # fmt: skip
        return insert_posts(s, requests)

    return world.db.transaction(work)


def test_lost_publish_answers_are_published_exactly_once(world, cipher, monkeypatch):
    world.sandbox.control.set_faults(
        drop_after_commit={"endpoints": ["threads_publish"], "rate": 0.3, "published_only": True},
        drop_hold_seconds=3,
    )
    ids = _schedule(world, cipher, POSTS, due_in_s=1)
    # The run's clients find Threads on the sandbox (PlatformConfig.from_env).
    monkeypatch.setenv("SOCIALSCHED_THREADS_BASE_URL", f"{world.sandbox.base_url}{SANDBOX_PREFIX}")
    monkeypatch.setenv("SOCIALSCHED_PLATFORM_READ_TIMEOUT_S", "1")
    ok, out = execute_window(world, P)
    assert ok, out
    assert world.statuses(P) == dict.fromkeys(ids, "published"), out
    world.assert_exactly_once()
    ledger = [e for e in world.ledger() if e["platform"] == "threads"]
    assert len(ledger) == POSTS
    targets = {t.id: t for t in world.targets()}
    # Every target names its post: the lost answers' ids were found through the containers.
    assert {targets[int(e["target"])].external_post_id for e in ledger} == {
        e["external_id"] for e in ledger
    }
    dropped = world.sandbox.control.stats()["dropped"].get("threads_publish", 0)
    assert dropped >= 1  # the drill did lose answers
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    assert outcomes.count("reconciled") == dropped
    assert outcomes.count("published") == POSTS - dropped
