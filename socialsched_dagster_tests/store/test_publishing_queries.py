import threading
from datetime import timedelta

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.states import TargetStatus
from socialsched_dagster.intake.post_request import PostRequest
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.due import due_windows, mark_missed
from socialsched_dagster.store.models import PostTarget, utcnow
from socialsched_dagster.store.posts import insert_posts
from socialsched_dagster.store.publishing import (
    Outcome,
    Window,
    claim,
    record,
    release,
    save_container,
)

LEASE = timedelta(seconds=60)


def seed(db, cipher, due_offsets_s):
    now = utcnow()

    def work(s):
        account = add_account(
            s, cipher, platform=Platform.FACEBOOK, external_id="p1", handle="page",
            access_token="t",
        )  # fmt: skip
        return insert_posts(
            s,
            [
                PostRequest(PostContent(text=f"post {i}"), now + timedelta(seconds=off), "UTC",
                            (account.id,), frozenset(), None, f"ref-{i}")
                for i, off in enumerate(due_offsets_s)
            ],
        )  # fmt: skip

    db.transaction(work)
    return now


def window_around(now):
    return Window("facebook", now - timedelta(hours=3), now + timedelta(hours=2))


def take(db, now, run_id, limit=100, ahead_s=5, backfill=False):
    return db.transaction(
        lambda s: claim(
            s,
            window_around(now),
            run_id=run_id,
            now=utcnow(),
            claim_ahead=timedelta(seconds=ahead_s),
            lease=LEASE,
            stale_before=utcnow() - timedelta(hours=2),
            limit=limit,
            backfill=backfill,
        )
    )


def statuses(db):
    with db.session() as s:
        return {t.id: t.status for t in s.query(PostTarget).order_by(PostTarget.id)}


def test_only_due_targets_are_claimed_and_only_once(db, cipher):
    now = seed(db, cipher, [-10, 0, 2, 600])
    first = take(db, now, "run-a")
    assert sorted(c.target_id for c in first) == [1, 2, 3]
    assert take(db, now, "run-b") == []
    assert statuses(db) == {1: "publishing", 2: "publishing", 3: "publishing", 4: "scheduled"}


def test_concurrent_claimers_never_share_a_target(db, cipher):
    now = seed(db, cipher, [0] * 60)
    results: dict[str, list] = {}

    def claimer(name):
        got = []
        for _ in range(10):
            got += [c.target_id for c in take(db, now, name, limit=4)]
        results[name] = got

    threads = [threading.Thread(target=claimer, args=(f"run-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [t for got in results.values() for t in got]
    assert len(everything) == len(set(everything)) == 60


def test_writes_are_guarded_by_the_lease_owner(db, cipher):
    now = seed(db, cipher, [0])
    (c,) = take(db, now, "run-a")
    assert not db.transaction(lambda s: save_container(s, c.target_id, "run-b", "x"))
    assert db.transaction(lambda s: save_container(s, c.target_id, "run-a", "container-1"))
    done = Outcome(status=TargetStatus.PUBLISHED, attempt_outcome="published", external_post_id="9")
    kwargs = dict(started_at=utcnow(), finished_at=utcnow(), latency_ms=5)
    assert not db.transaction(lambda s: record(s, c, "run-b", done, **kwargs))
    assert db.transaction(lambda s: record(s, c, "run-a", done, **kwargs))
    with db.session() as s:
        target = s.get(PostTarget, c.target_id)
        assert (target.status, target.external_post_id, target.container_id) == (
            "published", "9", "container-1",
        )  # fmt: skip
        assert target.lease_owner is None and target.published_at is not None


def test_released_targets_are_claimable_at_once_and_keep_their_attempt_count(db, cipher):
    now = seed(db, cipher, [0, 0])
    claims = take(db, now, "run-a")
    assert (
        db.transaction(lambda s: release(s, "run-a", [c.target_id for c in claims], utcnow())) == 2
    )
    again = take(db, now, "run-b")
    assert len(again) == 2 and all(c.attempts == 1 for c in again)


def test_an_expired_lease_is_reclaimed_with_reconciliation_required(db, cipher):
    now = seed(db, cipher, [0])
    (c,) = take(db, now, "run-a")
    with db.session() as s, s.begin():
        s.get(PostTarget, c.target_id).lease_until = utcnow() - timedelta(seconds=1)
    (again,) = take(db, now, "run-b")
    assert (
        again.target_id == c.target_id
        and again.needs_reconcile
        and again.prior_status == "publishing"
    )


def test_stale_targets_become_missed_and_only_a_backfill_claims_them(db, cipher):
    now = seed(db, cipher, [-3 * 3600, -60])
    assert (
        db.transaction(
            lambda s: mark_missed(s, stale_before=utcnow() - timedelta(hours=2), now=utcnow())
        )
        == 1
    )
    assert statuses(db) == {1: "missed", 2: "scheduled"}
    assert [c.target_id for c in take(db, now, "sensor-run")] == [2]
    assert [c.target_id for c in take(db, now, "backfill", backfill=True)] == [1]


def test_due_windows_group_ready_targets_by_platform_and_hour(db, cipher):
    seed(db, cipher, [5, 10, 4000])
    windows = db.transaction(
        lambda s: due_windows(
            s, now=utcnow(), ready_by=utcnow() + timedelta(seconds=60),
            stale_before=utcnow() - timedelta(hours=2),
        )
    )  # fmt: skip
    assert sum(w.targets for w in windows) == 2
    assert {w.platform for w in windows} == {"facebook"}
    assert all(w.window_start.minute == 0 for w in windows)
