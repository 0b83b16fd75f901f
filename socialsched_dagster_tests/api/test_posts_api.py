"""Posts over HTTP: create (idempotently), read, list, change, cancel and retry, with the CLI's
rules and stable error codes."""

from __future__ import annotations

from sqlalchemy import update

from socialsched_dagster.store.models import PostTarget


def test_a_post_is_created_with_its_targets_and_read_back(api, post_body):
    client = api.client("acme", "editor")
    created = client.post(
        "/api/v1/posts", json=post_body(accounts=["facebook:page", "mastodon:toots"])
    )
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["status"] == "scheduled"
    assert post["scheduled_at"].startswith("2030-01-15T08:00:00")  # 09:00 in Paris is 08:00 UTC
    assert sorted(t["account"] for t in post["targets"]) == ["facebook:page", "mastodon:toots"]
    assert post["created_by"].startswith("key:acme editor")

    got = client.get(f"/api/v1/posts/{post['id']}").json()
    assert got["id"] == post["id"]
    assert all(t["attempt_log"] == [] for t in got["targets"])


def test_the_same_idempotency_key_and_body_returns_the_first_answer_and_makes_one_post(
    api, post_body
):
    client = api.client("acme", "editor")
    headers = {"Idempotency-Key": "campaign-42"}
    first = client.post("/api/v1/posts", json=post_body(), headers=headers)
    again = client.post("/api/v1/posts", json=post_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/posts", json=post_body(text="Another text"), headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    listed = client.get("/api/v1/posts").json()["items"]
    assert [p["id"] for p in listed] == [first.json()["id"]]


def test_another_workspace_may_use_the_same_idempotency_key_for_its_own_post(api, post_body):
    headers = {"Idempotency-Key": "shared-key"}
    mine = api.client("acme", "editor").post("/api/v1/posts", json=post_body(), headers=headers)
    theirs = api.client("rival", "editor").post(
        "/api/v1/posts", json=post_body(text="Rival text"), headers=headers
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_every_invalid_field_is_named_in_a_validation_error(api, post_body):
    client = api.client("acme", "editor")
    answer = client.post(
        "/api/v1/posts",
        json=post_body(
            scheduled_at="2020-01-01 09:00", accounts=["facebook:page", "instagram:nobody"]
        ),
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_failed"
    fields = {d["field"] for d in error["details"]}
    assert fields == {"scheduled_at", "accounts"}
    assert any("no account 'instagram:nobody'" in d["reason"] for d in error["details"])


def test_an_unknown_field_is_refused_not_ignored(api, post_body):
    answer = api.client("acme", "editor").post(
        "/api/v1/posts", json={**post_body(), "schedule_at": "tomorrow"}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "schedule_at"


def test_posts_are_listed_in_time_order_with_filters_and_cursors(api, post_body):
    client = api.client("acme", "editor")
    ids = []
    for day in range(1, 6):
        accounts = ["facebook:page"] if day % 2 else ["mastodon:toots"]
        answer = client.post(
            "/api/v1/posts", json=post_body(scheduled_at=f"2030-02-0{day} 10:00", accounts=accounts)
        )
        ids.append(answer.json()["id"])
    first = client.get("/api/v1/posts", params={"limit": 2}).json()
    second = client.get("/api/v1/posts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/api/v1/posts", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + second["items"] + third["items"]] == ids
    assert third["next_cursor"] is None
    on_mastodon = client.get("/api/v1/posts", params={"platform": "mastodon"}).json()["items"]
    assert [p["id"] for p in on_mastodon] == [ids[1], ids[3]]
    by_account = client.get("/api/v1/posts", params={"account": "facebook:page"}).json()["items"]
    assert [p["id"] for p in by_account] == [ids[0], ids[2], ids[4]]
    window = client.get(
        "/api/v1/posts", params={"from": "2030-02-02T00:00:00Z", "to": "2030-02-04T00:00:00Z"}
    ).json()["items"]
    assert [p["id"] for p in window] == [ids[1], ids[2]]
    bad = client.get("/api/v1/posts", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"


def test_a_post_is_changed_before_it_publishes_and_not_after(api, post_body):
    client = api.client("acme", "editor")
    post = client.post("/api/v1/posts", json=post_body()).json()
    changed = client.patch(
        f"/api/v1/posts/{post['id']}", json={"text": "Edited", "scheduled_at": "2030-01-16 09:00"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["text"] == "Edited"
    assert changed.json()["targets"][0]["due_at"].startswith("2030-01-16T08:00")
    too_long = client.patch(f"/api/v1/posts/{post['id']}", json={"text": "x" * 63_207})
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "text"

    api.db.transaction(
        lambda s: s.execute(
            update(PostTarget).where(PostTarget.post_id == post["id"]).values(status="publishing")
        )
    )
    late = client.patch(f"/api/v1/posts/{post['id']}", json={"text": "Too late"})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "not_editable"
    assert client.get(f"/api/v1/posts/{post['id']}").json()["text"] == "Edited"


def test_cancel_stops_what_has_not_started_and_says_what_it_left(api, post_body):
    client = api.client("acme", "editor")
    post = client.post(
        "/api/v1/posts", json=post_body(accounts=["facebook:page", "mastodon:toots"])
    ).json()
    one = client.post(f"/api/v1/posts/{post['id']}/cancel", json={"accounts": ["mastodon:toots"]})
    assert one.status_code == 200 and one.json()["cancelled"] == 1
    rest = client.post(f"/api/v1/posts/{post['id']}/cancel")
    assert rest.json()["cancelled"] == 1
    assert rest.json()["post"]["status"] == "cancelled"
    nothing = client.post(f"/api/v1/posts/{post['id']}/cancel")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "not_cancellable"


def test_retry_puts_a_failed_target_back_and_refuses_when_nothing_failed(api, post_body):
    client = api.client("acme", "editor")
    post = client.post("/api/v1/posts", json=post_body()).json()
    refused = client.post(f"/api/v1/posts/{post['id']}/retry")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nothing_to_retry"
    api.db.transaction(
        lambda s: s.execute(
            update(PostTarget)
            .where(PostTarget.post_id == post["id"])
            .values(status="failed", error_kind="permanent", error_message="(#100) bad")
        )
    )
    failed = client.get(f"/api/v1/posts/{post['id']}").json()
    assert failed["targets"][0]["error"]["message"] == "(#100) bad"
    retried = client.post(f"/api/v1/posts/{post['id']}/retry")
    assert retried.status_code == 200 and retried.json()["retried"] == 1
    assert retried.json()["post"]["targets"][0]["status"] == "scheduled"


def test_a_missing_key_or_a_revoked_one_is_401_and_a_weak_role_403(api, post_body):
    from socialsched_dagster.store.models import ApiKey, utcnow

    assert api.anonymous().get("/api/v1/posts").status_code == 401
    wrong = api.anonymous().get("/api/v1/posts", headers={"Authorization": "Bearer ssk_nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
    viewer = api.client("acme", "viewer")
    assert viewer.get("/api/v1/posts").status_code == 200
    denied = viewer.post("/api/v1/posts", json=post_body())
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    assert api.client("acme", "editor").get("/api/v1/audit").status_code == 403
    api.db.transaction(lambda s: s.execute(update(ApiKey).values(revoked_at=utcnow())))
    assert viewer.get("/api/v1/posts").status_code == 401
