"""Event webhooks over HTTP: an admin subscribes a URL and gets its secret once; approvals and
rejections reach it signed; the delivery log shows every attempt and replays send the same event
again; another workspace's webhooks, deliveries and events are out of reach (404)."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from sqlalchemy import select

from socialsched_dagster.alerts.signing import verify_signature
from socialsched_dagster.store.models import AuditEntry, Webhook
from socialsched_dagster.webhooks.delivery import DeliveryPolicy
from socialsched_dagster.webhooks.dispatch import dispatch_once
from socialsched_dagster_tests.webhooks.receiver import Receiver

LOCAL = (ipaddress.ip_network("127.0.0.0/8"),)
POLICY = DeliveryPolicy(private_networks=LOCAL, workers=4, timeout_s=2, connect_timeout_s=1)


@pytest.fixture
def api_settings(api_settings):
    # The receivers of these tests are on 127.0.0.1, as SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS
    # would allow.
    return dataclasses.replace(api_settings, webhook_private_networks=LOCAL)


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def _subscribe(api, url: str, events=("post.approved", "post.rejected"), workspace="acme"):
    answer = api.client(workspace, "admin").post(
        "/api/v1/webhooks", json={"url": url, "events": list(events)}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _require_approval(api, workspace="acme") -> None:
    api.client(workspace, "admin").patch("/api/v1/workspace", json={"require_approval": True})


def _pending_post(api, post_body, workspace="acme", text="Spring menu") -> int:
    answer = api.client(workspace, "editor").post("/api/v1/posts", json=post_body(text=text))
    assert answer.json()["status"] == "pending_approval", answer.text
    return answer.json()["id"]


def _dispatch(api, cipher):
    return dispatch_once(api.db, cipher, POLICY)


def _audit(api, workspace="acme") -> list[str]:
    with api.db.session() as s:
        return [
            a.action
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.workspace_id == api.workspace_ids[workspace])
                .order_by(AuditEntry.id)
            )
        ]


def _signed(request, secret: str) -> bool:
    return verify_signature(
        secret,
        request.header("X-Socialsched-Timestamp"),
        request.body,
        request.header("X-Socialsched-Signature"),
    )


def test_an_admin_subscribes_and_sees_the_secret_once_others_may_read_it_masked(api, receiver):
    refused = api.client("acme", "approver").post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["post.published"]}
    )
    assert refused.status_code == 403
    made = _subscribe(api, receiver.url, events=["post.published", "post.failed"])
    assert made["secret"].startswith("whsec_") and made["url"] == receiver.url
    assert made["events"] == ["post.published", "post.failed"] and made["active"] is True
    one = api.client("acme", "admin").get(f"/api/v1/webhooks/{made['id']}")
    listed = api.client("acme", "admin").get("/api/v1/webhooks")
    assert one.json() == {k: v for k, v in made.items() if k != "secret"}
    assert listed.json()["items"] == [one.json()]
    assert made["secret"] not in one.text + listed.text
    seen = api.client("acme", "viewer").get(f"/api/v1/webhooks/{made['id']}").json()
    assert seen["url"].endswith("/hooks/***") and "socialsched" not in seen["url"]
    with api.db.session() as s:
        stored = s.get(Webhook, made["id"])
        assert made["secret"] not in stored.secret_enc  # encrypted at rest
    bad = api.client("acme", "admin").post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["post.deleted"]}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "events.0"
    assert _audit(api) == ["webhook.create"]


def test_approvals_and_rejections_are_delivered_signed_and_in_the_log(
    api, cipher, receiver, post_body
):
    hook = _subscribe(api, receiver.url)
    _require_approval(api)
    approved, rejected = _pending_post(api, post_body), _pending_post(api, post_body, text="Typo")
    approver = api.client("acme", "approver")
    assert approver.post(f"/api/v1/posts/{approved}/approve").status_code == 200
    assert (
        approver.post(f"/api/v1/posts/{rejected}/reject", json={"comment": "typo"}).status_code
        == 200
    )
    report = _dispatch(api, cipher)
    assert report.deliveries.delivered == 2
    got = {r.json["type"]: r for r in receiver.requests}
    assert sorted(got) == ["post.approved", "post.rejected"]
    assert all(_signed(r, hook["secret"]) for r in receiver.requests)
    assert got["post.approved"].json["data"]["post_id"] == approved
    assert got["post.rejected"].json["data"] == {
        **got["post.rejected"].json["data"],
        "post_id": rejected,
        "comment": "typo",
    }
    assert got["post.approved"].json["workspace"] == "acme"

    log = api.client("acme", "viewer").get(f"/api/v1/webhooks/{hook['id']}/deliveries")
    assert log.status_code == 200, log.text
    items = log.json()["items"]
    assert [(d["event_type"], d["post_id"]) for d in items] == [
        ("post.rejected", rejected),
        ("post.approved", approved),
    ]
    assert {d["status"] for d in items} == {"delivered"}
    assert all(d["attempts"] == 1 and d["last_status_code"] == 200 for d in items)
    assert items[1]["event_id"] == got["post.approved"].json["id"]
    assert items[1]["attempt_log"][0]["status_code"] == 200


def test_a_replay_sends_the_same_event_again_and_is_in_the_log(api, cipher, receiver, post_body):
    hook = _subscribe(api, receiver.url)
    _require_approval(api)
    post_id = _pending_post(api, post_body)
    api.client("acme", "approver").post(f"/api/v1/posts/{post_id}/approve")
    receiver.answer(500, times=1, body=b"database down")
    _dispatch(api, cipher)
    admin = api.client("acme", "admin")
    [failed_once] = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert (
        failed_once["status"] == "pending"
        and failed_once["last_error"] == "HTTP 500: database down"
    )
    assert failed_once["next_attempt_at"] is not None

    replayed = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failed_once['id']}/replay")
    assert replayed.status_code == 202, replayed.text
    again = replayed.json()
    assert again["replay_of"] == failed_once["id"] and again["event_id"] == failed_once["event_id"]
    assert _dispatch(api, cipher).deliveries.delivered == 1  # the replay is due now
    first, second = receiver.requests
    assert first.json["id"] == second.json["id"] == failed_once["event_id"]
    assert first.body == second.body
    assert first.header("X-Socialsched-Delivery-Id") != second.header("X-Socialsched-Delivery-Id")

    log = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert [(d["id"], d["status"], d["replay_of"]) for d in log] == [
        (again["id"], "delivered", failed_once["id"]),
        (failed_once["id"], "pending", None),
    ]
    one = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{again['id']}").json()
    assert one["attempt_log"][0]["status_code"] == 200
    assert (
        api.client("acme", "editor")
        .post(f"/api/v1/webhooks/{hook['id']}/deliveries/{failed_once['id']}/replay")
        .status_code
        == 403
    )
    assert _audit(api)[-1] == "webhook.replay"


def test_another_workspace_never_receives_these_events_and_its_ids_are_404(
    api, cipher, receiver, post_body
):
    with Receiver() as theirs:
        mine = _subscribe(api, receiver.url)
        rival = _subscribe(api, theirs.url, workspace="rival")
        _require_approval(api)
        post_id = _pending_post(api, post_body)
        api.client("acme", "approver").post(f"/api/v1/posts/{post_id}/approve")
        _dispatch(api, cipher)
        assert [r.json["type"] for r in receiver.requests] == ["post.approved"]
        assert theirs.requests == []
    [delivery] = api.client("acme").get(f"/api/v1/webhooks/{mine['id']}/deliveries").json()["items"]

    them = api.client("rival", "admin")
    assert [h["id"] for h in them.get("/api/v1/webhooks").json()["items"]] == [rival["id"]]
    base = f"/api/v1/webhooks/{mine['id']}"
    answers = [
        them.get(base),
        them.patch(base, json={"active": False}),
        them.get(f"{base}/deliveries"),
        them.get(f"{base}/deliveries/{delivery['id']}"),
        them.post(f"{base}/deliveries/{delivery['id']}/replay"),
        them.post(f"{base}/ping"),
        them.delete(base),
        # Their own webhook id with our delivery id: still not theirs.
        them.get(f"/api/v1/webhooks/{rival['id']}/deliveries/{delivery['id']}"),
        them.post(f"/api/v1/webhooks/{rival['id']}/deliveries/{delivery['id']}/replay"),
    ]
    missing = them.get("/api/v1/webhooks/999999")
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"
        assert answer.json()["error"]["message"].split()[0] == "no"
    assert missing.status_code == 404
    assert api.client("acme").get(base).json()["active"] is True  # untouched
    assert _audit(api, "rival") == ["webhook.create"]


def test_a_switched_off_webhook_sends_nothing_until_on_again_and_removal_is_audited(
    api, cipher, receiver, post_body
):
    hook = _subscribe(api, receiver.url)
    admin = api.client("acme", "admin")
    base = f"/api/v1/webhooks/{hook['id']}"
    _require_approval(api)
    api.client("acme", "approver").post(f"/api/v1/posts/{_pending_post(api, post_body)}/approve")
    off = admin.patch(base, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    _dispatch(api, cipher)
    assert receiver.requests == []  # switched off: its pending delivery waits
    [waiting] = admin.get(f"{base}/deliveries").json()["items"]
    assert waiting["status"] == "pending" and waiting["attempts"] == 0
    replay = admin.post(f"{base}/deliveries/{waiting['id']}/replay")
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "webhook_inactive"

    changed = admin.patch(base, json={"active": True, "events": ["post.rejected"]})
    assert changed.json()["events"] == ["post.rejected"] and changed.json()["active"] is True
    assert admin.patch(base, json={"events": []}).status_code == 422
    _dispatch(api, cipher)
    assert [r.json["type"] for r in receiver.requests] == ["post.approved"]
    api.client("acme", "approver").post(
        f"/api/v1/posts/{_pending_post(api, post_body, text='Again')}/approve"
    )  # no longer subscribed to approvals
    post_id = _pending_post(api, post_body, text="Once more")
    api.client("acme", "approver").post(f"/api/v1/posts/{post_id}/reject", json={"comment": "no"})
    _dispatch(api, cipher)
    assert [r.json["type"] for r in receiver.requests] == ["post.approved", "post.rejected"]

    assert admin.delete(base).status_code == 204
    assert admin.get(base).status_code == 404
    assert admin.get(f"{base}/deliveries").status_code == 404
    assert [a for a in _audit(api) if a.startswith("webhook.")] == [
        "webhook.create", "webhook.update", "webhook.update", "webhook.delete",
    ]  # fmt: skip


def test_the_log_pages_newest_first_and_never_shows_the_secret(api, cipher, receiver, post_body):
    hook = _subscribe(api, receiver.url)
    receiver.answer(401, times=3, body=f"expected {hook['secret']}".encode())
    _require_approval(api)
    ids = [_pending_post(api, post_body, text=f"Post {n}") for n in range(3)]
    for post_id in ids:
        api.client("acme", "approver").post(f"/api/v1/posts/{post_id}/approve")
    _dispatch(api, cipher)
    viewer = api.client("acme", "viewer")
    base = f"/api/v1/webhooks/{hook['id']}/deliveries"
    first = viewer.get(base, params={"limit": 2})
    second = viewer.get(base, params={"limit": 2, "cursor": first.json()["next_cursor"]})
    pages = first.json()["items"] + second.json()["items"]
    assert second.json()["next_cursor"] is None
    assert [d["post_id"] for d in pages] == ids[::-1]
    assert all(d["last_error"] == "HTTP 401: expected ***" for d in pages)
    assert hook["secret"] not in first.text + second.text
    assert viewer.get(base, params={"status": "delivered"}).json()["items"] == []
    assert viewer.get(base, params={"cursor": "not-a-cursor"}).status_code == 400


def test_a_ping_is_sent_signed_at_once_and_reports_the_answer(api, receiver):
    hook = _subscribe(api, receiver.url)
    answer = api.client("acme", "admin").post(f"/api/v1/webhooks/{hook['id']}/ping")
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivered"] is True and answer.json()["status_code"] == 200
    [request] = receiver.requests
    assert request.json["type"] == "ping" and _signed(request, hook["secret"])
    receiver.answer(404)
    refused = api.client("acme", "admin").post(f"/api/v1/webhooks/{hook['id']}/ping").json()
    assert refused == {**refused, "delivered": False, "status_code": 404, "error": "HTTP 404"}
