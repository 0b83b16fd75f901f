"""The chaos drill's verdict, counted from a real sandbox ledger and real target rows: what is a
duplicate, what is lost (either witness without the other), what is stuck, and when a fault
counts as recovered."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from socialsched_dagster.bench.chaos_report import (
    FaultRecord,
    read_targets,
    recovery,
    tally,
    verdict,
)
from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.intake.post_request import PostRequest
from socialsched_dagster.sandbox.ledger import Ledger
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import PostTarget
from socialsched_dagster.store.posts import insert_posts

T = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)  # the fault's end in the recovery tests


def _targets(db, cipher, n: int) -> list[int]:
    def work(session):
        account = add_account(
            session, cipher, platform=Platform.FACEBOOK, external_id="page1", handle="page1",
            access_token="page-token",
        )  # fmt: skip
        due = T - timedelta(minutes=5)
        insert_posts(session, [_request(account.id, due, i) for i in range(n)])

    db.transaction(work)
    return [t.id for t in read_targets(db)]


def _request(account_id: int, due: datetime, i: int) -> PostRequest:
    content = PostContent(text=f"post {i}")
    return PostRequest(content, due, "UTC", (account_id,), frozenset(), "chaos", f"chaos-{i}")


def _set(db, target_id: int, status: str, at: datetime = T) -> None:
    with db.session() as s:
        s.execute(
            update(PostTarget)
            .where(PostTarget.id == target_id)
            .values(status=status, updated_at=at)
        )
        s.commit()


def _send(ledger: Ledger, target_id: int | None, at: datetime = T) -> None:
    entry = ledger.new_entry(
        platform="facebook", account="page1", external_id=f"page1_{len(ledger) + 1}",
        endpoint="fb_feed", ts=at.timestamp(), text="x", source_id=None,
        target=None if target_id is None else str(target_id),
    )  # fmt: skip
    ledger.add(entry)


def test_counts_duplicates_lost_either_way_and_stuck_from_the_ledger_and_the_database(db, cipher):
    once, twice, failed_sent, never_sent, in_flight, waiting, held, missed = _targets(db, cipher, 8)
    for target, status in [(once, "published"), (twice, "published"), (failed_sent, "failed"),
                           (never_sent, "published"), (in_flight, "publishing"),
                           (held, "held"), (missed, "missed")]:  # fmt: skip
        _set(db, target, status)
    ledger = Ledger()
    for target in (once, twice, twice, failed_sent, in_flight, None):
        _send(ledger, target)

    outcome = tally(ledger.query(), read_targets(db))

    assert outcome["published_once"] == 1
    assert (outcome["duplicates"], outcome["extra_posts"]) == (1, 1)
    assert [t["id"] for t in outcome["duplicate_targets"]] == [twice]
    # Sent but not recorded published (failed, or still publishing), and the reverse.
    lost = outcome["lost_targets"]
    assert [t["id"] for t in lost["sent_not_published"]] == [failed_sent, in_flight]
    assert [t["id"] for t in lost["published_not_sent"]] == [never_sent]
    assert outcome["lost"] == 3
    # Held counts as stuck: nothing in a drill revokes a token.
    assert sorted(t["id"] for t in outcome["stuck_targets"]) == [in_flight, waiting, held]
    assert (outcome["stuck"], outcome["failed"], outcome["missed"]) == (3, 1, 1)
    assert outcome["unattributed_entries"] == 1
    assert verdict(outcome, []) == [
        "1 duplicated target(s)", "3 lost target(s)", "3 stuck target(s)"
    ]  # fmt: skip


def test_a_clean_drill_has_nothing_to_report(db, cipher):
    targets = _targets(db, cipher, 3)
    ledger = Ledger()
    for target in targets:
        _set(db, target, "published")
        _send(ledger, target)

    outcome = tally(ledger.query(), read_targets(db))

    assert (outcome["published_once"], outcome["lost"], outcome["stuck"]) == (3, 0, 0)
    assert verdict(outcome, []) == []


def test_recovery_is_the_first_send_and_record_after_the_end_and_the_orphans_settling(db, cipher):
    before, ledger_first, db_first, orphan_a, orphan_b = _targets(db, cipher, 5)
    s = timedelta(seconds=1)
    _set(db, before, "published", T - 30 * s)
    _set(db, ledger_first, "published", T + 9 * s)
    _set(db, db_first, "published", T + 7 * s)
    _set(db, orphan_a, "published", T + 50 * s)
    _set(db, orphan_b, "failed", T + 80 * s)
    ledger = Ledger()
    _send(ledger, before, T - 30 * s)
    _send(ledger, ledger_first, T + 3 * s)
    fault = FaultRecord("run_kill", T.timestamp(), T.timestamp(), orphans=[orphan_a, orphan_b])

    fig = recovery(fault, ledger.query(), read_targets(db), limit_s=120)

    assert (fig["resumed_ledger_s"], fig["resumed_db_s"]) == (3.0, 7.0)
    assert (fig["orphans"], fig["orphans_settled_s"], fig["orphans_open"]) == (2, 80.0, [])
    assert fig["caught_up_s"] == 80.0
    assert fig["recovered"] is True
    # The same figures judged against a shorter limit: the orphans took too long.
    assert recovery(fault, ledger.query(), read_targets(db), limit_s=60)["recovered"] is False


def test_a_fault_is_not_recovered_while_an_orphan_is_open_or_nothing_came_after_it(db, cipher):
    published, orphan = _targets(db, cipher, 2)
    _set(db, published, "published", T + 5 * timedelta(seconds=1))
    _set(db, orphan, "publishing", T)
    ledger = Ledger()
    _send(ledger, published, T + timedelta(seconds=2))
    open_orphan = FaultRecord("daemon_kill", T.timestamp() - 30, T.timestamp(), orphans=[orphan])
    too_late = FaultRecord("redis_down", T.timestamp() + 60, T.timestamp() + 60)
    not_injected = FaultRecord("run_kill", T.timestamp(), T.timestamp(), injected=False)
    targets = read_targets(db)

    figures = [recovery(f, ledger.query(), targets, limit_s=120)
               for f in (open_orphan, too_late, not_injected)]  # fmt: skip

    assert figures[0]["resumed_ledger_s"] == 2.0 and figures[0]["orphans_open"] == [orphan]
    assert figures[0]["orphans_settled_s"] is None and figures[0]["caught_up_s"] is None
    assert figures[1]["resumed_ledger_s"] is None
    assert [f["recovered"] for f in figures] == [False, False, False]
    assert verdict(tally(ledger.query(), targets), figures)[-3:] == [
        "daemon_kill did not recover", "redis_down did not recover", "run_kill did not recover"
    ]  # fmt: skip
