"""No key reads, lists, changes or infers another workspace's data, through any endpoint.

Every operation of the OpenAPI document that takes an id is called with the other workspace's
ids and with ids that do not exist: the answers are the same (404 where the body is valid), and
the other workspace's data is unchanged. An operation added later is covered automatically; one
with a path parameter this table does not know fails the test until it is added.
"""

from __future__ import annotations

import re

from socialsched_dagster.api.openapi_doc import document

# Valid bodies, so that the handler (not the body validation) answers.
BODIES = {
    ("patch", "/api/v1/posts/{post_id}"): {"text": "taken over"},
    ("post", "/api/v1/posts/{post_id}/reject"): {"comment": "no"},
    ("post", "/api/v1/posts/{post_id}/approve"): {},
    ("post", "/api/v1/posts/{post_id}/cancel"): {},
    ("post", "/api/v1/posts/{post_id}/retry"): {},
    ("patch", "/api/v1/webhooks/{webhook_id}"): {"active": False},
}
MISSING = 987_654_321


def _rival_ids(api, post_body) -> dict[str, int]:
    rival = api.client("rival", "admin")
    post = rival.post("/api/v1/posts", json=post_body(text="rival secret plan")).json()
    accounts = rival.get("/api/v1/accounts").json()["items"]
    ids = {"post_id": post["id"], "account_id": accounts[0]["id"]}
    hook = rival.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.rival.example/events", "events": ["post.published"]},
    )
    if hook.status_code == 201:
        ids["webhook_id"] = hook.json()["id"]
        deliveries = rival.get(f"/api/v1/webhooks/{ids['webhook_id']}/deliveries").json()
        ids["delivery_id"] = (deliveries.get("items") or [{"id": MISSING - 1}])[0]["id"]
    return ids


def _operations():
    for path, operations in document()["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params or not path.startswith("/api/v1/"):
            continue
        for method in operations:
            yield method, path, params


def _without_ids(text: str, ids) -> str:
    """The answer with the ids asked about blanked: "no post 7" and "no post 987654321" are the
    same answer."""
    for ident in sorted((str(i) for i in ids), key=len, reverse=True):
        text = re.sub(rf"\b{ident}\b", "<id>", text)
    return text


def _call(client, method, path, values, body):
    url = path.format(**values)
    if method in ("post", "patch", "put"):
        return client.request(method.upper(), url, json=body)
    return client.request(method.upper(), url)


def test_every_endpoint_answers_another_workspace_s_id_like_a_missing_one(api, post_body):
    rival_ids = _rival_ids(api, post_body)
    before = api.client("rival", "admin").get(f"/api/v1/posts/{rival_ids['post_id']}").json()
    mine = api.client("acme", "admin")
    checked = []
    for method, path, params in _operations():
        unknown = [p for p in params if p not in rival_ids and p not in ("platform",)]
        assert not unknown, f"{method.upper()} {path}: add {unknown} to the isolation test"
        if "platform" in params:
            continue  # not an id: a platform name (the OAuth start), the same for everyone
        body = BODIES.get((method, path), {})
        foreign = _call(mine, method, path, rival_ids, body)
        missing = _call(mine, method, path, dict.fromkeys(params, MISSING), body)
        assert foreign.status_code == missing.status_code, f"{method.upper()} {path}"
        assert _without_ids(foreign.text, rival_ids.values()) == _without_ids(
            missing.text, [MISSING]
        ), f"{method.upper()} {path}"
        if (method, path) in BODIES or method in ("get", "delete"):
            assert foreign.status_code == 404, f"{method.upper()} {path}: {foreign.text}"
        checked.append(f"{method.upper()} {path}")
    assert len(checked) >= 9, checked  # the posts and accounts operations at least
    after = api.client("rival", "admin").get(f"/api/v1/posts/{rival_ids['post_id']}").json()
    assert after == before  # nothing was changed by the attempts


def test_lists_never_show_another_workspace_s_data(api, post_body):
    api.client("rival", "editor").post("/api/v1/posts", json=post_body(text="rival secret plan"))
    api.client("acme", "editor").post("/api/v1/posts", json=post_body(text="our plan"))
    mine = api.client("acme", "admin")
    for path in ("/api/v1/posts", "/api/v1/accounts", "/api/v1/audit", "/api/v1/workspace"):
        answer = mine.get(path)
        assert answer.status_code == 200, path
        assert "rival" not in answer.text, path
    posts = mine.get("/api/v1/posts").json()["items"]
    assert [p["text"] for p in posts] == ["our plan"]
    accounts = mine.get("/api/v1/accounts").json()["items"]
    assert {a["external_id"] for a in accounts} == {"100001", "110001", "1784100001"}


def test_a_handle_names_the_caller_s_own_account_even_when_another_workspace_has_it_too(
    api, post_body
):
    post = api.client("acme", "editor").post("/api/v1/posts", json=post_body()).json()
    [target] = post["targets"]
    acme_accounts = {a["id"] for a in api.client("acme").get("/api/v1/accounts").json()["items"]}
    assert target["account_id"] in acme_accounts


def test_a_cursor_from_another_workspace_shows_only_the_caller_s_posts(api, post_body):
    rival = api.client("rival", "editor")
    for day in (1, 2, 3):
        rival.post("/api/v1/posts", json=post_body(scheduled_at=f"2030-04-0{day} 10:00"))
    cursor = rival.get("/api/v1/posts", params={"limit": 1}).json()["next_cursor"]
    assert (
        api.client("acme", "viewer").get("/api/v1/posts", params={"cursor": cursor}).json()["items"]
        == []
    )
