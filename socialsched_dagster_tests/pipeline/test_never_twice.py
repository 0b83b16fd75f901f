"""Never twice: the durable "may have been sent" marker, the fence before every irrevocable call,
and bounded retries of unexpected exceptions. Runs are in-process WindowRuns against the sandbox
over HTTP; the earlier attempt whose answer was lost is made with the real client."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from socialsched_dagster.cli.demo_cmd import sandbox_env
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.run_planning import plan
from socialsched_dagster.sandbox.process import SandboxProcess
from socialsched_dagster.store.accounts import AccountRef, disable_account, enable_account
from socialsched_dagster.store.models import Account, Post, PostTarget, PublishAttempt
from socialsched_dagster.store.posts import cancel_post, retry_post
from socialsched_dagster.store.tokens import read_secrets, reconnect, require_reauth

from .inprocess import claim_one, mark_maybe_sent, send_as_an_earlier_attempt, window_run

FB, IG, YT = Platform.FACEBOOK, Platform.INSTAGRAM, Platform.YOUTUBE
LINK = "https://shop.example.com/winter-sale"


def _target(world, target_id) -> PostTarget:
    with world.db.session() as s:
        return s.get(PostTarget, target_id)


def _outcomes(world, target_id) -> list[str]:
    with world.db.session() as s:
        rows = s.query(PublishAttempt).filter_by(target_id=target_id).order_by(PublishAttempt.id)
        return [a.outcome for a in rows]


def _went_out_but_answer_lost(world, platform=FB, **content) -> int:
    """A post the platform has, whose target only knows that it may have been sent."""
    (target_id,) = world.schedule(platform, 1, due_in_s=1, **content)
    container = send_as_an_earlier_attempt(world, platform, target_id)
    mark_maybe_sent(world, target_id, container)
    assert len(world.ledger()) == 1
    return target_id


def _hold_and_release(world, cipher, how: str) -> None:
    ref = AccountRef(FB, "test_facebook")
    account_id = world.account_ids[FB]
    now = world.db.now()
    if how == "disable-enable":
        world.db.transaction(lambda s: disable_account(s, ref))
        world.db.transaction(
            lambda s: enable_account(s, ref, now=now, stale_before=now - timedelta(hours=2))
        )
        return
    world.db.transaction(lambda s: require_reauth(s, account_id, "token revoked", now))
    token = world.db.transaction(lambda s: read_secrets(s, cipher, account_id))

    def work(s):
        return reconnect(
            s, cipher, s.get(Account, account_id), access_token=token.access_token,
            refresh_token=None, expires_at=None, now=now, stale_before=now - timedelta(hours=2),
        )  # fmt: skip

    assert world.db.transaction(work) == (1, 0)


@pytest.mark.parametrize("how", ["disable-enable", "reauth-reconnect"])
def test_a_post_that_may_have_gone_out_is_reconciled_after_hold_and_release(world, cipher, how):
    target_id = _went_out_but_answer_lost(world, link=LINK)
    _hold_and_release(world, cipher, how)
    after = _target(world, target_id)
    assert after.status == "scheduled" and after.maybe_sent_at is not None
    window_run(world, FB).run()
    assert _target(world, target_id).status == "published"
    assert _outcomes(world, target_id) == ["reconciled"]
    world.assert_exactly_once()


def test_a_run_reconciles_before_it_holds_for_an_inactive_account(world):
    target_id = _went_out_but_answer_lost(world)
    # Disabled between the claim and the call (the targets were not held yet).
    with world.db.session() as s, s.begin():
        s.get(Account, world.account_ids[FB]).status = "disabled"
    window_run(world, FB).run()
    assert _target(world, target_id).status == "published"  # the truth, not "held"
    world.assert_exactly_once()


def test_missed_cancelled_and_retried_targets_keep_the_marker_and_a_backfill_asks_first(world):
    target_id = _went_out_but_answer_lost(world)
    with world.db.session() as s, s.begin():  # it stayed unknown until past the cutoff
        s.get(PostTarget, target_id).due_at = world.db.now() - timedelta(hours=3)
    missed, _ = plan(world.db, world.db.now(), lead=timedelta(0), stale_after=timedelta(hours=2))
    assert missed == 1
    target = _target(world, target_id)
    assert target.status == "missed" and target.maybe_sent_at is not None
    now = world.db.now()
    post_id = target.post_id
    result = world.db.transaction(
        lambda s: retry_post(s, post_id, now=now, stale_before=now - timedelta(hours=2))
    )
    assert (result.retried, result.maybe_sent) == (1, 1)
    assert _target(world, target_id).maybe_sent_at is not None
    world.db.transaction(lambda s: cancel_post(s, post_id))
    cancelled = _target(world, target_id)
    assert cancelled.status == "cancelled" and cancelled.maybe_sent_at is not None


def test_a_backfill_of_a_missed_target_that_may_have_gone_out_reconciles_it(world):
    target_id = _went_out_but_answer_lost(world)
    with world.db.session() as s, s.begin():
        t = s.get(PostTarget, target_id)
        t.status, t.due_at = "missed", world.db.now() - timedelta(hours=3)
    window_run(world, FB, backfill=True, due=_target(world, target_id).due_at).run()
    assert _target(world, target_id).status == "published"
    assert _outcomes(world, target_id) == ["reconciled"]
    world.assert_exactly_once()


# -- the fence ----------------------------------------------------------------------------------


def test_a_run_whose_lease_was_taken_over_does_not_send(world):
    (target_id,) = world.schedule(FB, 1, due_in_s=1)
    slow = window_run(world, FB, run_id="run-slow")
    mine = claim_one(world, FB, "run-slow")
    # run-slow stalled past its lease (a GC pause, a frozen VM); run-fast took the target over.
    with world.db.session() as s, s.begin():
        s.get(PostTarget, target_id).lease_until = world.db.now() - timedelta(seconds=1)
    theirs = claim_one(world, FB, "run-fast")
    assert theirs.target_id == target_id and theirs.needs_reconcile
    result = slow.publisher.process(mine, backfill=False)
    assert not result.recorded and world.ledger() == []
    window_run(world, FB, run_id="run-fast").publisher.process(theirs, backfill=False)
    assert _target(world, target_id).status == "published"
    world.assert_exactly_once()


def test_the_fence_refuses_a_lease_too_short_for_the_call(world):
    (target_id,) = world.schedule(FB, 1, due_in_s=1)
    run = window_run(world, FB, run_id="run-a")
    claim = claim_one(world, FB, "run-a")
    with world.db.session() as s, s.begin():  # about to run out: less than the fence's margin
        s.get(PostTarget, target_id).lease_until = world.db.now() + timedelta(milliseconds=300)
    result = run.publisher.process(claim, backfill=False)
    assert not result.recorded and world.ledger() == []


def test_the_fence_marks_may_have_been_sent_before_the_publishing_call(world):
    """The marker is in the database before the request leaves, so a process killed during the
    call leaves a target that is reconciled, never re-sent blind."""
    world.sandbox.control.set_faults(latency_ms=1500)
    (target_id,) = world.schedule(FB, 1, due_in_s=0)
    run = window_run(world, FB, run_id="run-a")
    claim = claim_one(world, FB, "run-a")
    done = threading.Thread(target=run.publisher.process, args=(claim,), kwargs={"backfill": False})
    done.start()
    deadline = time.monotonic() + 10
    while _target(world, target_id).maybe_sent_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    during = _target(world, target_id)
    done.join(30)
    assert during.maybe_sent_at is not None and during.status == "publishing"
    after = _target(world, target_id)
    assert after.status == "published" and after.maybe_sent_at is None  # settled
    world.assert_exactly_once()


def test_a_run_never_reclaims_its_own_target(world):
    (target_id,) = world.schedule(FB, 1, due_in_s=1)
    claim_one(world, FB, "run-a")
    with world.db.session() as s, s.begin():
        s.get(PostTarget, target_id).lease_until = world.db.now() - timedelta(seconds=1)
    with pytest.raises(ValueError):  # nothing to unpack: run-a does not get it again
        claim_one(world, FB, "run-a")
    assert claim_one(world, FB, "run-b").target_id == target_id


# -- poison --------------------------------------------------------------------------------------


def test_an_unexpected_exception_is_retried_a_bounded_number_of_times_then_fails(world):
    good, bad = world.schedule(FB, 2, due_in_s=1)
    with world.db.session() as s, s.begin():  # data no code path expects
        post = s.get(Post, _target(world, bad).post_id)
        post.media = [{"url": "https://cdn.example.com/x.bin", "kind": "hologram"}]
    run = window_run(world, FB, retry_scale=0.01, idle_exit_s=3)
    summary = run.run()
    assert summary.crashed == []  # recorded, so the run is not a failed one
    failed = _target(world, bad)
    assert failed.status == "failed" and failed.crash_count == 3
    assert "hologram" in failed.error_message and "internal error" in failed.error_message
    assert _outcomes(world, bad) == ["crashed"] * 3
    assert _target(world, good).status == "published"
    world.assert_exactly_once()


# -- dead ends -----------------------------------------------------------------------------------


def test_a_quota_postponement_past_the_stale_cutoff_says_so(world, monkeypatch):
    with SandboxProcess(settings={"ig_quota_total": 1}) as capped:
        for key, value in sandbox_env(capped.base_url).items():
            monkeypatch.setenv(key, value)
        first, second = world.schedule(IG, 2, due_in_s=1)
        window_run(world, IG, stale_after_s=600, idle_exit_s=2, workers=1).run()
    (waiting,) = [t for t in (first, second) if _target(world, t).status == "scheduled"]
    t = _target(world, waiting)
    assert t.error_kind == "quota_exhausted"
    assert "past the stale cutoff" in t.error_message and "posts retry" in t.error_message
    # When the cutoff comes, "missed" keeps the reason.
    later = t.due_at + timedelta(seconds=601)
    plan(world.db, later, lead=timedelta(0), stale_after=timedelta(seconds=600))
    missed = _target(world, waiting)
    assert missed.status == "missed" and "publishing limit" in missed.error_message


def test_a_definite_refusal_of_the_publishing_call_clears_the_marker(world):
    """A 429 on media_publish means the platform did not act: the fence's "may have been
    sent" is withdrawn, and the retry is an ordinary one."""
    world.sandbox.control.set_faults(storm_429={"endpoints": ["ig_publish"], "seconds": 30})
    (target_id,) = world.schedule(IG, 1, due_in_s=1)
    window_run(world, IG, idle_exit_s=1).run()
    t = _target(world, target_id)
    assert t.status == "scheduled" and t.error_kind == "rate_limited", t.error_message
    assert t.maybe_sent_at is None
    assert world.ledger() == []
