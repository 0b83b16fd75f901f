"""Publishing outcomes reach a workspace's webhook: a post published by a real publishing run
against the sandbox is announced once, signed, naming the post, the account and the platform's
id; failed, missed and held targets are announced as such."""

from __future__ import annotations

from datetime import timedelta

from socialsched_dagster.alerts.signing import verify_signature
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.accounts import AccountRef, disable_account
from socialsched_dagster.store.due import mark_missed
from socialsched_dagster.store.models import PostTarget
from socialsched_dagster.webhooks.dispatch import dispatch_once
from socialsched_dagster_tests.pipeline.inprocess import window_run

from .conftest import add_hook

FB, IG, YT = Platform.FACEBOOK, Platform.INSTAGRAM, Platform.YOUTUBE
# Graph's "invalid parameter": the platform refuses the post for good.
REFUSED = {"fb_feed": {"rate": 1.0, "status": 400, "envelope": {"code": 100, "transient": False}}}


def _target(world, target_id: int) -> PostTarget:
    with world.db.session() as s:
        return s.get(PostTarget, target_id)


def test_a_post_published_by_a_run_is_announced_once_signed_and_named(
    world, cipher, receiver, policy
):
    hook = add_hook(world.db, cipher, receiver.url, events=["post.published"])
    [target_id] = world.schedule(FB, 1, due_in_s=0.5)
    window_run(world, FB, idle_exit_s=1).run()
    target = _target(world, target_id)
    assert target.status == "published"

    first = dispatch_once(world.db, cipher, policy)
    assert (first.events, first.deliveries.delivered) == (1, 1)
    again = dispatch_once(world.db, cipher, policy)  # the next tick sees it again: no new event
    assert (again.events, again.deliveries.attempted) == (0, 0)

    [request] = receiver.requests
    assert verify_signature(
        hook.secret,
        request.header("X-Socialsched-Timestamp"),
        request.body,
        request.header("X-Socialsched-Signature"),
    )
    event = request.json
    assert event["type"] == "post.published" and event["workspace"] == "default"
    assert request.header("X-Socialsched-Event-Id") == event["id"]
    data = event["data"]
    [entry] = world.ledger()
    assert data["post_id"] == target.post_id and data["target_id"] == target_id
    assert data["account"] == "facebook:test_facebook" and data["platform"] == "facebook"
    assert data["status"] == "published" and data["error"] is None
    assert data["external_post_id"] == target.external_post_id == entry["external_id"]


def test_failed_missed_and_held_targets_are_announced_as_such(world, cipher, receiver, policy):
    add_hook(world.db, cipher, receiver.url)
    [late] = world.schedule(YT, 1, due_in_s=-3 * 3600)  # the scheduler was down for hours
    [parked] = world.schedule(IG, 1, due_in_s=3600)
    [refused] = world.schedule(FB, 1, due_in_s=0.5)
    world.sandbox.control.set_faults(error_rates=REFUSED)
    window_run(world, FB, idle_exit_s=1).run()
    now = world.db.now()
    world.db.transaction(lambda s: mark_missed(s, stale_before=now - timedelta(hours=2), now=now))
    world.db.transaction(lambda s: disable_account(s, AccountRef(IG, "test_instagram")))
    assert [_target(world, t).status for t in (refused, late, parked)] == [
        "failed", "missed", "held",
    ]  # fmt: skip

    report = dispatch_once(world.db, cipher, policy)
    assert (report.events, report.deliveries.delivered) == (3, 3)
    by_type = {r.json["type"]: r.json["data"] for r in receiver.requests}
    assert sorted(by_type) == ["post.failed", "post.held", "post.missed"]
    failed = by_type["post.failed"]
    assert failed["target_id"] == refused and failed["status"] == "failed"
    assert failed["error"]["kind"] and failed["error"]["message"]
    assert by_type["post.missed"]["target_id"] == late
    assert "stale cutoff" in by_type["post.missed"]["error"]["message"]
    held = by_type["post.held"]
    assert held["target_id"] == parked and held["account"] == "instagram:test_instagram"
    assert held["error"]["message"] == "account disabled"
    assert dispatch_once(world.db, cipher, policy).events == 0
