"""Delivering events to a real receiver on 127.0.0.1: signed, retried with growing waits until
a 2xx, logged attempt by attempt, claimed so that two dispatchers never send one delivery both,
and with the secret in no log. Time moves by passing `now`, never by sleeping."""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import timedelta

from sqlalchemy import select

from socialsched_dagster.alerts.signing import verify_signature
from socialsched_dagster.store.models import DEFAULT_WORKSPACE_ID, WebhookDelivery
from socialsched_dagster.webhooks.delivery import AttemptResult, claim, deliver_due, record
from socialsched_dagster.webhooks.events import emit

from .conftest import add_hook


def _emit(db, n: int = 1, kind: str = "post.approved") -> list[int]:
    def work(s):
        return [
            emit(
                s, DEFAULT_WORKSPACE_ID, kind, dedupe_key=f"test:{kind}:{i}", post_id=100 + i,
                payload={"post_id": 100 + i, "by": "key:lead#1"}, now=db.now(),
            )
            for i in range(n)
        ]  # fmt: skip

    return db.transaction(work)


def _deliveries(db) -> list[WebhookDelivery]:
    with db.session() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _verified(request, secret: str) -> bool:
    return verify_signature(
        secret,
        request.header("X-Socialsched-Timestamp"),
        request.body,
        request.header("X-Socialsched-Signature"),
    )


def test_a_receiver_failing_twice_gets_three_attempts_with_growing_waits_then_it_is_delivered(
    db, cipher, receiver, policy
):
    hook = add_hook(db, cipher, receiver.url)
    receiver.answer(500, times=2)
    _emit(db)
    now = db.now()

    assert deliver_due(db, cipher, policy, now=now).retrying == 1
    [first] = _deliveries(db)
    assert first.status == "pending" and first.attempts == 1 and first.last_status_code == 500
    assert first.next_attempt_at >= now + timedelta(seconds=30)
    # Not due yet: nothing is sent a second early.
    early = deliver_due(db, cipher, policy, now=first.next_attempt_at - timedelta(seconds=1))
    assert early.attempted == 0 and len(receiver.requests) == 1

    assert deliver_due(db, cipher, policy, now=first.next_attempt_at).retrying == 1
    [second] = _deliveries(db)
    assert second.attempts == 2
    assert second.next_attempt_at - first.next_attempt_at >= timedelta(minutes=2)

    assert deliver_due(db, cipher, policy, now=second.next_attempt_at).delivered == 1
    [done] = _deliveries(db)
    assert done.status == "delivered" and done.attempts == 3 and done.delivered_at is not None
    assert done.next_attempt_at is None and done.last_error is None
    assert [a["status_code"] for a in done.attempt_log] == [500, 500, 200]
    assert [a["n"] for a in done.attempt_log] == [1, 2, 3]
    assert [a["error"] for a in done.attempt_log][:2] == ["HTTP 500", "HTTP 500"]
    assert (
        deliver_due(db, cipher, policy, now=second.next_attempt_at + timedelta(days=2)).attempted
        == 0
    )

    # Three requests of the same event: same id, same bytes, each signed afresh and valid.
    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1
    assert {r.header("X-Socialsched-Event-Id") for r in receiver.requests} == {
        receiver.requests[0].json["id"]
    }
    assert all(_verified(r, hook.secret) for r in receiver.requests)
    assert not _verified(receiver.requests[0], "whsec_someone-else")


def test_after_the_last_attempt_a_delivery_is_failed_and_no_longer_sent(
    db, cipher, receiver, policy
):
    add_hook(db, cipher, receiver.url)
    receiver.answer(503, times=10)
    _emit(db)
    short = dataclasses.replace(policy, retry_waits_s=(1.0, 1.0))  # three attempts in all
    now = db.now()
    for _ in range(3):
        deliver_due(db, cipher, short, now=now)
        now += timedelta(minutes=1)
    [gone] = _deliveries(db)
    assert gone.status == "failed" and gone.attempts == 3 and gone.next_attempt_at is None
    assert deliver_due(db, cipher, short, now=now + timedelta(days=1)).attempted == 0
    assert len(receiver.requests) == 3


def test_two_dispatchers_at_once_send_each_event_exactly_once(db, cipher, receiver, policy):
    add_hook(db, cipher, receiver.url)
    _emit(db, 12)
    receiver.delay_s = 0.05  # sends overlap the other dispatcher's claims
    now = db.now()
    barrier = threading.Barrier(2)
    reports = []

    def dispatcher():
        barrier.wait()
        reports.append(deliver_due(db, cipher, policy, now=now))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    ids = [r.header("X-Socialsched-Event-Id") for r in receiver.requests]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 12
    assert sum(r.delivered for r in reports) == 12
    assert {d.status for d in _deliveries(db)} == {"delivered"}
    assert all(d.attempts == 1 for d in _deliveries(db))


def test_a_claim_is_taken_once_and_a_dispatcher_that_outlived_its_lease_writes_nothing(
    db, cipher, receiver, policy
):
    add_hook(db, cipher, receiver.url)
    _emit(db)
    [delivery] = _deliveries(db)
    now, lease = db.now(), timedelta(seconds=policy.lease_s)
    first = db.transaction(lambda s: claim(s, delivery.id, 0, now=now, lease=lease))
    assert first is not None and first.attempt == 1
    # Another dispatcher that read the same row: the claim is gone; and while the lease runs
    # the delivery is not due for anyone.
    assert db.transaction(lambda s: claim(s, delivery.id, 0, now=now, lease=lease)) is None
    assert deliver_due(db, cipher, policy, now=now + timedelta(seconds=5)).attempted == 0
    # The first dispatcher died mid-send: after the lease another takes it over...
    later = now + lease + timedelta(seconds=1)
    second = db.transaction(lambda s: claim(s, delivery.id, 1, now=later, lease=lease))
    assert second is not None and second.attempt == 2
    # ...and the first one's late answer is not written over the second's claim.
    late = AttemptResult(200, None, 5)
    assert db.transaction(lambda s: record(s, first, late, at=later, policy=policy)) is None
    assert db.transaction(lambda s: record(s, second, late, at=later, policy=policy)) == "delivered"
    [done] = _deliveries(db)
    assert done.attempts == 2 and [a["n"] for a in done.attempt_log] == [2]


def test_the_secret_is_in_no_log_even_when_the_receiver_echoes_it(
    db, cipher, receiver, policy, caplog
):
    hook = add_hook(db, cipher, receiver.url)
    receiver.answer(
        400, body=f"bad signature, expected secret {hook.secret} at {hook.url}".encode()
    )
    _emit(db)
    with caplog.at_level(logging.DEBUG):
        deliver_due(db, cipher, policy, now=db.now())
    [delivery] = _deliveries(db)
    assert delivery.last_status_code == 400
    assert delivery.last_error.startswith("HTTP 400: bad signature, expected secret ***")
    assert "/hooks/socialsched" not in delivery.last_error  # the URL's path is masked too
    stored = f"{delivery.last_error} {delivery.attempt_log}"
    assert hook.secret not in stored and hook.secret not in caplog.text
    assert hook.secret[6:20] not in stored + caplog.text


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(db, cipher, receiver, policy):
    add_hook(db, cipher, receiver.url)
    receiver.answer(302, Location="http://169.254.169.254/latest/meta-data/")
    _emit(db)
    assert deliver_due(db, cipher, policy, now=db.now()).retrying == 1
    [delivery] = _deliveries(db)
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_an_address_allowed_when_created_is_refused_at_connect_time_when_it_no_longer_is(
    db, cipher, receiver, policy
):
    add_hook(db, cipher, receiver.url)  # created while 127.0.0.0/8 was allowed
    _emit(db)
    strict = dataclasses.replace(policy, private_networks=())
    assert deliver_due(db, cipher, strict, now=db.now()).retrying == 1
    [delivery] = _deliveries(db)
    assert receiver.requests == []
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("refused: 127.0.0.1 is not a public address (loopback)")


def test_a_host_that_does_not_resolve_is_retried_and_the_log_says_why(db, cipher, policy):
    add_hook(db, cipher, "https://hooks.not-yet-live.invalid/in?token=abc")
    _emit(db)
    assert deliver_due(db, cipher, policy, now=db.now()).retrying == 1
    [delivery] = _deliveries(db)
    assert "hooks.not-yet-live.invalid does not resolve" in delivery.last_error
    assert "token=abc" not in delivery.last_error
