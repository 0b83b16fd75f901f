"""Two workspaces (`acme`, `rival`), each with accounts and a key per role, and the API served
over real HTTP against the test's database (SQLite and PostgreSQL) and Redis."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest

from .server import ApiServer

ROLES = ("viewer", "editor", "approver", "admin")


@dataclass
class ApiWorld:
    url: str
    db: object
    keys: dict[tuple[str, str], str]  # (workspace, role) -> key
    workspace_ids: dict[str, int]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, workspace: str = "acme", role: str = "admin", **headers) -> httpx.Client:
        client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.keys[(workspace, role)]}", **headers},
            timeout=30,
        )
        self.clients.append(client)
        return client

    def anonymous(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(client)
        return client


def seed(db, cipher) -> tuple[dict, dict]:
    from socialsched_dagster.domain.platforms import Platform
    from socialsched_dagster.store.accounts import add_account
    from socialsched_dagster.store.models import DEFAULT_WORKSPACE_ID, utcnow
    from socialsched_dagster.teams.api_keys import create_key
    from socialsched_dagster.teams.roles import Role
    from socialsched_dagster.teams.workspaces import add_workspace

    def work(s):
        from socialsched_dagster.store.models import Workspace

        acme = add_workspace(s, "acme")
        rival = add_workspace(s, "rival")
        # Both name their accounts alike: a handle means the caller's own account.
        for workspace, suffix in ((acme, "1"), (rival, "2")):
            for platform, external_id, handle, server in [
                (Platform.FACEBOOK, f"10000{suffix}", "page", None),
                (Platform.MASTODON, f"11000{suffix}", "toots", "https://mastodon.example"),
                (Platform.INSTAGRAM, f"178410000{suffix}", "shop", None),
            ]:
                add_account(
                    s,
                    cipher,
                    platform=platform,
                    external_id=external_id,
                    handle=handle,
                    server_url=server,
                    access_token=f"token-{handle}-{suffix}",
                    expires_at=utcnow() + timedelta(days=50),
                    workspace_id=workspace.id,
                )
        keys = {}
        for workspace in (acme, rival):
            for role in ROLES:
                keys[(workspace.name, role)] = create_key(
                    s, workspace, role=Role(role), name=f"{workspace.name} {role}"
                ).plaintext
        default = s.get(Workspace, DEFAULT_WORKSPACE_ID)
        keys[("default", "admin")] = create_key(s, default, role=Role.ADMIN, name="ops").plaintext
        return keys, {"acme": acme.id, "rival": rival.id, "default": DEFAULT_WORKSPACE_ID}

    return db.transaction(work)


@pytest.fixture
def api_settings(db_url, tmp_path, token_key, real_or_embedded_redis_url):
    from socialsched_dagster.settings import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALSCHED_API_")}
    env.update(
        SOCIALSCHED_HOME=str(tmp_path / "home"),
        SOCIALSCHED_DATABASE_URL=db_url,
        SOCIALSCHED_TOKEN_KEY=token_key,
        REDIS_URL=real_or_embedded_redis_url,
    )
    return load_settings(env)


@pytest.fixture
def api(db, cipher, api_settings) -> Iterator[ApiWorld]:
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.store.redis_connection import connect

    keys, ids = seed(db, cipher)
    redis = connect(api_settings.redis_url)
    redis.flushdb()
    app = create_app(api_settings, db=db, redis=redis)
    with ApiServer(app) as server:
        world = ApiWorld(server.url, db, keys, ids)
        yield world
        for client in world.clients:
            client.close()
    redis.close()


def with_api(settings, **changes):
    """These settings with some API settings changed (a lower rate limit, a shorter timeout)."""
    return dataclasses.replace(settings, api=dataclasses.replace(settings.api, **changes))


@pytest.fixture
def post_body():
    def make(**changes):
        body = {
            "scheduled_at": "2030-01-15 09:00",
            "timezone": "Europe/Paris",
            "accounts": ["facebook:page"],
            "text": "Hello from the API",
        }
        body.update(changes)
        return body

    return make
