"""Approvals: in a workspace that requires them, an editor's post waits for an approver, who
approves it (scheduled; a new time if its own has passed) or rejects it with a comment. Every
change is in the audit log."""

from __future__ import annotations

from sqlalchemy import update

from socialsched_dagster.store.models import Post, PostTarget


def _require_approval(api) -> None:
    answer = api.client("acme", "admin").patch("/api/v1/workspace", json={"require_approval": True})
    assert answer.status_code == 200 and answer.json()["require_approval"] is True


def test_an_editor_s_post_waits_for_approval_and_an_approver_s_does_not(api, post_body):
    _require_approval(api)
    pending = api.client("acme", "editor").post("/api/v1/posts", json=post_body()).json()
    assert pending["status"] == "pending_approval"
    assert pending["approval"]["status"] == "pending"
    assert [t["status"] for t in pending["targets"]] == ["pending_approval"]
    own = api.client("acme", "approver").post("/api/v1/posts", json=post_body(text="Mine")).json()
    assert own["status"] == "scheduled" and own["approval"] is None
    listed = api.client("acme", "viewer").get(
        "/api/v1/posts", params={"status": "pending_approval"}
    )
    assert [p["id"] for p in listed.json()["items"]] == [pending["id"]]


def test_approve_schedules_the_post_and_only_an_approver_may(api, post_body):
    _require_approval(api)
    post = api.client("acme", "editor").post("/api/v1/posts", json=post_body()).json()
    refused = api.client("acme", "editor").post(f"/api/v1/posts/{post['id']}/approve")
    assert refused.status_code == 403
    approved = api.client("acme", "approver").post(f"/api/v1/posts/{post['id']}/approve")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "scheduled"
    assert body["approval"]["status"] == "approved"
    assert body["approval"]["decided_by"].startswith("key:acme approver")
    again = api.client("acme", "approver").post(f"/api/v1/posts/{post['id']}/approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_pending"


def test_reject_needs_a_comment_and_an_edit_submits_the_post_again(api, post_body):
    _require_approval(api)
    editor, approver = api.client("acme", "editor"), api.client("acme", "approver")
    post = editor.post("/api/v1/posts", json=post_body()).json()
    no_reason = approver.post(f"/api/v1/posts/{post['id']}/reject", json={"comment": ""})
    assert no_reason.status_code == 422
    rejected = approver.post(
        f"/api/v1/posts/{post['id']}/reject", json={"comment": "Wrong product name"}
    ).json()
    assert rejected["status"] == "rejected"
    assert rejected["approval"] == {
        **rejected["approval"],
        "status": "rejected",
        "comment": "Wrong product name",
    }
    retry = editor.post(f"/api/v1/posts/{post['id']}/retry")
    assert retry.status_code == 409 and retry.json()["error"]["code"] == "not_approved"
    fixed = editor.patch(f"/api/v1/posts/{post['id']}", json={"text": "Right product name"})
    assert fixed.json()["status"] == "pending_approval"
    assert fixed.json()["approval"]["status"] == "pending"


def test_an_editor_s_change_to_an_approved_post_needs_approval_again(api, post_body):
    _require_approval(api)
    editor, approver = api.client("acme", "editor"), api.client("acme", "approver")
    post = editor.post("/api/v1/posts", json=post_body()).json()
    approver.post(f"/api/v1/posts/{post['id']}/approve")
    changed = editor.patch(f"/api/v1/posts/{post['id']}", json={"text": "Sneaky change"}).json()
    assert changed["status"] == "pending_approval"
    by_approver = approver.patch(f"/api/v1/posts/{post['id']}", json={"text": "Fine"}).json()
    assert by_approver["status"] == "pending_approval"  # editing is not approving


def test_approving_a_post_whose_time_has_passed_asks_for_a_new_time(api, post_body):
    _require_approval(api)
    post = api.client("acme", "editor").post("/api/v1/posts", json=post_body()).json()
    # An hour ago: the approver took too long.
    api.db.transaction(
        lambda s: s.execute(
            update(Post)
            .where(Post.id == post["id"])
            .values(
                scheduled_at=api.db.now().replace(microsecond=0)
                - __import__("datetime").timedelta(hours=1)
            )
        )
    )
    approver = api.client("acme", "approver")
    late = approver.post(f"/api/v1/posts/{post['id']}/approve")
    assert late.status_code == 409 and late.json()["error"]["code"] == "time_passed"
    assert "approve it with a new scheduled_at" in late.json()["error"]["message"]
    with api.db.session() as s:
        assert s.query(PostTarget.status).filter_by(post_id=post["id"]).scalar() == (
            "pending_approval"
        )
    moved = approver.post(
        f"/api/v1/posts/{post['id']}/approve",
        json={"scheduled_at": "2030-03-01 12:00", "timezone": "UTC"},
    )
    assert moved.status_code == 200
    assert moved.json()["scheduled_at"].startswith("2030-03-01T12:00")
    assert moved.json()["targets"][0]["due_at"].startswith("2030-03-01T12:00")


def test_the_audit_log_says_who_did_what_and_only_admins_read_it(api, post_body):
    _require_approval(api)
    editor, approver = api.client("acme", "editor"), api.client("acme", "approver")
    post = editor.post("/api/v1/posts", json=post_body()).json()
    approver.post(f"/api/v1/posts/{post['id']}/reject", json={"comment": "No"})
    api.client("rival", "editor").post("/api/v1/posts", json=post_body())
    assert approver.get("/api/v1/audit").status_code == 403
    entries = api.client("acme", "admin").get("/api/v1/audit").json()["items"]
    actions = [(e["action"], e["actor"].split("#")[0], e["subject"]) for e in entries]
    assert actions == [
        ("post.reject", "key:acme approver", f"post:{post['id']}"),
        ("post.create", "key:acme editor", f"post:{post['id']}"),
        ("workspace.update", "key:acme admin", "workspace:acme"),
    ]
    rival = api.client("rival", "admin").get("/api/v1/audit").json()["items"]
    assert [e["action"] for e in rival] == ["post.create"]


def test_a_decision_that_lost_a_race_changes_nothing(api, post_body):
    """An approval committed between a rejection's read and its update: the rejection must
    not mark the post rejected while its targets are scheduled (it would publish anyway)."""
    from socialsched_dagster.teams.api_keys import Identity
    from socialsched_dagster.teams.post_changes import Conflict, reject_post
    from socialsched_dagster.teams.roles import Role

    _require_approval(api)
    post = api.client("acme", "editor").post("/api/v1/posts", json=post_body()).json()
    # What the other decision left: targets scheduled, while this one read the post as pending.
    api.db.transaction(
        lambda s: s.execute(
            update(PostTarget).where(PostTarget.post_id == post["id"]).values(status="scheduled")
        )
    )
    who = Identity(0, api.workspace_ids["acme"], "acme", Role.APPROVER, "key:racer")
    try:
        api.db.transaction(
            lambda s: reject_post(s, who, post["id"], comment="too late", now=api.db.now())
        )
        raise AssertionError("the losing rejection was recorded")
    except Conflict as exc:
        assert exc.code == "not_pending"
    with api.db.session() as s:
        assert s.get(Post, post["id"]).approval == "pending"
