"""The issue's story, end to end: a team's admin connects an account through the platform's
OAuth consent page, adds a webhook, schedules a post over HTTP with an idempotency key (sent
twice), a run publishes it once, the webhook is told, signed, and another team's key sees none
of it."""

from __future__ import annotations

from datetime import datetime

import httpx

from socialsched_dagster.alerts.signing import verify_signature
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.teams.api_keys import create_key
from socialsched_dagster.teams.roles import Role
from socialsched_dagster.teams.workspaces import add_workspace
from socialsched_dagster_tests.api.oauth_world import Browser, text_of
from socialsched_dagster_tests.api.server import ApiServer, free_port
from socialsched_dagster_tests.pipeline.inprocess import window_run


def test_connect_schedule_publish_and_hear_about_it(
    world, cipher, token_key, receiver, policy, tmp_path
):
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.demo.api_env import write_api_env
    from socialsched_dagster.settings import load_settings
    from socialsched_dagster.webhooks.dispatch import dispatch_once

    def teams(s):
        keys = {}
        for name in ("newteam", "otherteam"):
            workspace = add_workspace(s, name)
            keys[name] = create_key(s, workspace, role=Role.ADMIN, name=f"{name} admin").plaintext
        return keys

    keys = world.db.transaction(teams)
    home, port = tmp_path / "api-home", free_port()
    write_api_env(home, world.sandbox.base_url)  # as `socialsched demo` does for the API
    settings = load_settings(
        {
            "SOCIALSCHED_HOME": str(home),
            "SOCIALSCHED_DATABASE_URL": world.db.url,
            "SOCIALSCHED_TOKEN_KEY": token_key,
            "SOCIALSCHED_API_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS": "127.0.0.0/8",
        }
    )
    with ApiServer(create_app(settings, db=world.db), port=port) as server:
        api = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {keys['newteam']}"}
        )
        other = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {keys['otherteam']}"}
        )
        browser = httpx.Client(follow_redirects=True, timeout=30)
        try:
            started = api.post(
                "/api/v1/oauth/mastodon/start", json={"server": world.sandbox.base_url}
            )
            assert started.status_code == 201, started.text
            page = Browser(browser).connect(started.json()["connect_url"], account="story-user")
            assert "Connected mastodon:" in text_of(page)
            [account] = api.get("/api/v1/accounts").json()["items"]
            assert account["platform"] == "mastodon" and account["status"] == "active"

            hook = api.post(
                "/api/v1/webhooks", json={"url": receiver.url, "events": ["post.published"]}
            )
            assert hook.status_code == 201, hook.text
            secret = hook.json()["secret"]

            body = {"scheduled_at": "now", "accounts": [account["account"]], "text": "Launch!"}
            headers = {"Idempotency-Key": "launch-2026"}
            first = api.post("/api/v1/posts", json=body, headers=headers)
            again = api.post("/api/v1/posts", json=body, headers=headers)  # a retried request
            assert first.status_code == again.status_code == 201
            assert again.json()["id"] == first.json()["id"]
            post = first.json()

            world.last_due = datetime.fromisoformat(post["scheduled_at"])
            window_run(world, Platform.MASTODON, idle_exit_s=1).run()
            published = api.get(f"/api/v1/posts/{post['id']}").json()
            assert published["status"] == "published"
            [entry] = world.sandbox.control.ledger(platform="mastodon")
            assert entry["external_id"] == published["targets"][0]["external_post_id"]

            report = dispatch_once(world.db, cipher, policy)
            assert report.deliveries.delivered == 1
            [request] = receiver.requests
            assert verify_signature(
                secret,
                request.header("X-Socialsched-Timestamp"),
                request.body,
                request.header("X-Socialsched-Signature"),
            )
            assert request.json["type"] == "post.published"
            assert request.json["workspace"] == "newteam"
            assert request.json["data"]["post_id"] == post["id"]

            assert other.get(f"/api/v1/posts/{post['id']}").status_code == 404
            assert other.get("/api/v1/posts").json()["items"] == []
            assert other.get("/api/v1/accounts").json()["items"] == []
            assert other.get("/api/v1/webhooks").json()["items"] == []
        finally:
            for client in (api, other, browser):
                client.close()
