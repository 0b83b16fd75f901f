"""The OAuth tests' world: the sandbox served over HTTP, the API beside it configured as the demo
configures it (its settings read from the file `socialsched demo` writes under
SOCIALSCHED_HOME), and a browser made of an httpx client with its own cookie jar."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.registry import build_client, spec
from socialsched_dagster.sandbox.control import SandboxControl
from socialsched_dagster.security.public_urls import MediaPolicy
from socialsched_dagster.store.models import Account

from .conftest import ROLES, seed
from .server import ApiServer, free_port

# Every platform whose accounts connect through OAuth (Bluesky's app password apart).
OAUTH_PLATFORMS = [p for p in Platform if p is not Platform.BLUESKY]
MEDIA_HOST = "media.socialsched.dev"  # a stand-in: never fetched
_FORM = re.compile(r'<form method="post">(.*?)</form>', re.S)
_INPUT = re.compile(r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"')


# Fixtures are named apart from their functions, so test modules import them without shadowing.
@pytest.fixture(scope="module", name="sandbox")
def sandbox_fixture() -> Iterator[ApiServer]:
    """The sandbox's app served in this process, over HTTP."""
    from socialsched_dagster.sandbox.app import create_app
    from socialsched_dagster.sandbox.settings import SandboxSettings

    with ApiServer(create_app(SandboxSettings())) as server:
        yield server


@dataclass
class OAuthWorld:
    api: str
    sandbox: str
    db: object
    cipher: object
    keys: dict[tuple[str, str], str]
    ids: dict[str, int]
    clients: list[httpx.Client] = field(default_factory=list)

    def admin(self, workspace: str = "acme", role: str = "admin") -> httpx.Client:
        client = httpx.Client(
            base_url=self.api,
            headers={"Authorization": f"Bearer {self.keys[(workspace, role)]}"},
            timeout=30,
        )
        self.clients.append(client)
        return client

    def browser(self) -> Browser:
        client = httpx.Client(follow_redirects=True, timeout=30)
        self.clients.append(client)
        return Browser(client)

    def start(self, platform: Platform, workspace: str = "acme", **body) -> str:
        if spec(platform).needs_server:
            body.setdefault("server", self.sandbox)
        answer = self.admin(workspace).post(f"/api/v1/oauth/{platform.value}/start", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["connect_url"]

    def accounts(self, workspace: str = "acme") -> dict[str, dict]:
        items = self.admin(workspace).get("/api/v1/accounts").json()["items"]
        return {item["account"]: item for item in items}

    def stored(self, platform: Platform, external_id: str) -> tuple[Account, str]:
        """The account row and its decrypted access token."""

        def read(session):
            from sqlalchemy import select

            row = session.scalar(
                select(Account).where(
                    Account.platform == platform.value, Account.external_id == external_id
                )
            )
            assert row is not None, f"no {platform.value} account {external_id}"
            token = self.cipher.decrypt(row.token.access_token_enc)
            session.expunge(row)
            return row, token

        return self.db.transaction(read, name="test read account")

    def publish_with_stored_token(self, platform: Platform, external_id: str) -> dict:
        """Publish the platform's sample post with the token the connect stored; the sandbox
        ledger's entry for it."""
        account, token = self.stored(platform, external_id)
        config = PlatformConfig.for_sandbox(
            self.sandbox,
            media_policy=MediaPolicy(stand_in_hosts=("socialsched.dev",)),
            container_poll_interval_s=0.02,
        )
        content = spec(platform).samples.content(1, MEDIA_HOST)
        job = PublishJob(1, platform, external_id, token, content, server_url=account.server_url)
        client = build_client(platform, config, Unguarded())
        try:
            container = client.prepare(job)
            published = client.publish(replace(job, container_id=container), container)
        finally:
            client.close()
        with SandboxControl(self.sandbox) as control:
            entries = control.ledger(platform=platform.value)
        [entry] = [e for e in entries if e["external_id"] == published]
        return entry

    def audit(self, action: str) -> list:
        from sqlalchemy import select

        from socialsched_dagster.store.models import AuditEntry

        def read(session):
            return list(
                session.execute(
                    select(AuditEntry.workspace_id, AuditEntry.subject, AuditEntry.detail).where(
                        AuditEntry.action == action
                    )
                )
            )

        return self.db.transaction(read, name="test audit", read_only=True)


@dataclass
class Consent:
    """The platform's consent page: its form's fields and where it posts."""

    url: str
    fields: dict[str, str]


@dataclass
class Browser:
    http: httpx.Client

    def open(self, connect_url: str) -> Consent | httpx.Response:
        """Open a connect link: the consent page it leads to, or the page that refused."""
        page = self.http.get(connect_url)
        form = _FORM.search(page.text) if page.status_code == 200 else None
        if form is None:
            return page
        fields = {name: html.unescape(value) for name, value in _INPUT.findall(form.group(1))}
        return Consent(str(page.url), fields)

    def decide(self, consent: Consent, decision: str = "allow", follow: bool = True, **changes):
        """Press Allow or Deny; with follow=False, the redirect to the callback, unfollowed."""
        fields = {**consent.fields, **changes, "decision": decision}
        return self.http.post(consent.url, data=fields, follow_redirects=follow)

    def connect(self, connect_url: str, **changes) -> httpx.Response:
        consent = self.open(connect_url)
        assert isinstance(consent, Consent), consent.text
        return self.decide(consent, **changes)


def text_of(page: httpx.Response) -> str:
    """A page's words, as a person reads them."""
    body = re.sub(r"<style>.*?</style>", " ", page.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(name="oauth")
def oauth_fixture(db, cipher, token_key, sandbox, tmp_path) -> Iterator[OAuthWorld]:
    """The API as `socialsched api serve` runs it beside `socialsched demo`: its OAuth settings
    come from the demo's file under SOCIALSCHED_HOME, its redirect URI from its public URL."""
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.demo.api_env import write_api_env
    from socialsched_dagster.settings import load_settings

    home = tmp_path / "home"
    write_api_env(home, sandbox.url)
    port = free_port()
    settings = load_settings(
        {
            "SOCIALSCHED_HOME": str(home),
            "SOCIALSCHED_DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False)),
            "SOCIALSCHED_TOKEN_KEY": token_key,
            "SOCIALSCHED_API_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    assert settings.oauth.demo_file is not None
    keys, ids = seed(db, cipher)
    app = create_app(settings, db=db, redis=None)
    with ApiServer(app, port=port) as server:
        world = OAuthWorld(server.url, sandbox.url, db, cipher, keys, ids)
        yield world
        for client in world.clients:
            client.close()


__all__ = [
    "OAUTH_PLATFORMS",
    "ROLES",
    "Browser",
    "Consent",
    "OAuthWorld",
    "oauth_fixture",
    "sandbox_fixture",
]
