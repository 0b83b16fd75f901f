"""LinkedIn posts through the real publishing job (executed in process: the point is the
publishing, not the process), on both databases, with 30 % of the post creates' answers lost
after LinkedIn committed them:

- for a page, whose posts can be read back, every post is published exactly once, the lost
  ones found among the page's posts;
- for a member without r_member_social, whose posts cannot be read, nothing is sent twice: the
  lost ones wait for a person with what to do, and another run still does not resend them.
"""

from __future__ import annotations

from datetime import timedelta

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.post_requests import PostRequest
from socialsched_dagster.platforms.linkedin import SANDBOX_PREFIX
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PublishAttempt, utcnow
from socialsched_dagster.store.posts import insert_posts, settle_target
from socialsched_dagster_tests.pipeline.inprocess import execute_window

from .helpers import MEMBER, PAGE, P

POSTS = 20  # at 30 %, all 20 answers arrive in 0.08 % of runs
DROPS = {
    "drop_after_commit": {
        "endpoints": ["linkedin_posts_create"], "rate": 0.3, "published_only": True
    },
    "drop_hold_seconds": 3,
}  # fmt: skip


def _content(n: int, stamp: float) -> PostContent:
    words = f"linkedin post {n} at {stamp}"
    if n % 3 == 0:
        image = Media(f"https://cdn.example.com/li{n}.png", MediaKind.IMAGE)
        return PostContent(text=f"{words} (with a picture)", media=(image,))
    if n % 3 == 1:
        return PostContent(text=words, link=f"https://example.com/{n}", title=f"Story {n}")
    return PostContent(text=f"{words} #update")


def _schedule(world, cipher, author: str, count: int) -> list[int]:
    issued = world.sandbox.control.mint_token(P.value, author)

    def work(s):
        account = add_account(
            s, cipher, platform=P, external_id=author, handle="test_linkedin",
            access_token=issued["access_token"],
        )  # fmt: skip
        due = utcnow() + timedelta(seconds=1)
        world.last_due = due
        requests = [
            PostRequest(_content(n, due.timestamp()), due, "UTC", (account.id,), frozenset(),
                        None, f"linkedin-{due.timestamp()}-{n}")
            for n in range(count)
        ]  # fmt: skip
        return insert_posts(s, requests)

    return world.db.transaction(work)


def _env(world, monkeypatch, **more: str) -> None:
    """The run's environment: LinkedIn on the sandbox, test-sized read timeouts."""
    env = {
        "SOCIALSCHED_LINKEDIN_BASE_URL": f"{world.sandbox.base_url}{SANDBOX_PREFIX}",
        "SOCIALSCHED_PLATFORM_READ_TIMEOUT_S": "1",
        **more,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def _linkedin_ledger(world) -> list[dict]:
    return [e for e in world.ledger() if e["platform"] == P.value]


def test_a_pages_lost_answers_are_published_exactly_once(world, cipher, monkeypatch):
    world.sandbox.control.set_faults(DROPS)
    ids = _schedule(world, cipher, PAGE, POSTS)
    _env(world, monkeypatch)
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert world.statuses(P) == dict.fromkeys(ids, "published"), out[-4000:]
    world.assert_exactly_once()
    ledger = _linkedin_ledger(world)
    assert len(ledger) == POSTS
    targets = {t.id: t for t in world.targets()}
    # Every target names its post: the lost answers' URNs were read back from the page.
    assert {targets[int(e["target"])].external_post_id for e in ledger} == {
        e["external_id"] for e in ledger
    }
    dropped = world.sandbox.control.stats()["dropped"].get("linkedin_posts_create", 0)
    assert dropped >= 1
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt)]
    assert outcomes.count("reconciled") == dropped
    assert outcomes.count("published") == POSTS - dropped


def test_a_member_without_read_permission_never_gets_a_post_twice(world, cipher, monkeypatch):
    world.sandbox.control.set_faults(DROPS)
    ids = _schedule(world, cipher, MEMBER, POSTS)
    # A long back-off: the run ends once only the undecidable ones are left.
    _env(world, monkeypatch, SOCIALSCHED_PUBLISH_RETRY_SCALE="10")
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    dropped = world.sandbox.control.stats()["dropped"].get("linkedin_posts_create", 0)
    assert dropped >= 1
    ledger = _linkedin_ledger(world)
    sent = [int(e["target"]) for e in ledger]
    assert sorted(sent) == sorted(ids)  # each post went out, and once
    statuses = world.statuses(P)
    assert list(statuses.values()).count("published") == POSTS - dropped
    undecided = [t for t in world.targets() if t.id in ids and t.status != "published"]
    assert len(undecided) == dropped
    for t in undecided:
        # Held for a person, never failed, the marker set so nobody sends it unasked; the
        # message says what to check and how to settle it.
        assert t.status == "held" and t.maybe_sent_at is not None, t.error_message
        assert t.error_code == "needs_a_person" and t.external_post_id is None
        assert "may have been posted to LinkedIn" in t.error_message
        assert "check the member's profile" in t.error_message
        assert "socialsched posts settle" in t.error_message
    # A run meanwhile leaves them alone: nothing asked, nothing sent.
    asked = world.sandbox.control.stats()["requests"]["linkedin_posts_list"]
    ok, out = execute_window(world, P)
    assert ok, out[-4000:]
    assert world.statuses(P) == statuses
    assert world.sandbox.control.stats()["requests"]["linkedin_posts_list"] == asked
    # The person found them on the profile and settles them with the URNs they saw.
    urn_of = {int(e["target"]): e["external_id"] for e in ledger}
    now = world.db.now()
    for t in undecided:
        world.db.transaction(
            lambda s, t=t: settle_target(
                s, t.post_id, t.account_id, published_as=urn_of[t.id], now=now
            )
        )
    assert set(world.statuses(P).values()) == {"published"}
    assert len(_linkedin_ledger(world)) == POSTS
    assert world.sandbox.control.stats()["duplicate_target_count"] == 0
