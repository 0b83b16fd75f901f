"""Bluesky accounts, jobs and sandbox reads shared by the tests."""

from __future__ import annotations

from typing import Any

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.sandbox.process import SandboxProcess

P = Platform.BLUESKY
DID = "did:plc:alice"  # the sandbox names it alice.bsky.social
IMAGES = tuple(Media.parse(f"https://cdn.example.com/b{i}.png") for i in range(5))


def pds(sb: SandboxProcess) -> str:
    """The account's server: the sandbox, which serves the PDS's /xrpc/ paths."""
    return sb.base_url


def app_password(sb: SandboxProcess, did: str = DID) -> str:
    return sb.control.mint_token(P.value, did, expires_in=None)["access_token"]


def job(
    sb: SandboxProcess,
    content: PostContent,
    *,
    target_id: int = 1,
    did: str = DID,
    token: str | None = None,
    container_id: str | None = None,
) -> PublishJob:
    token = app_password(sb, did) if token is None else token
    return PublishJob(target_id, P, did, token, content, container_id, server_url=pds(sb))


def xrpc(sb: SandboxProcess, nsid: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
    """A raw XRPC call to the sandbox's PDS: POST with `json=`/`content=`, else GET."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    method = "POST" if "json" in kw or "content" in kw else "GET"
    return httpx.request(method, f"{pds(sb)}/xrpc/{nsid}", headers=headers, timeout=10, **kw)


def login(sb: SandboxProcess, did: str = DID) -> dict[str, Any]:
    password = app_password(sb, did)
    body = {"identifier": did, "password": password}
    response = xrpc(sb, "com.atproto.server.createSession", json=body)
    response.raise_for_status()
    return response.json()


def record(sb: SandboxProcess, uri: str) -> dict[str, Any]:
    did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    params = {"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey}
    response = xrpc(sb, "com.atproto.repo.getRecord", params=params)
    response.raise_for_status()
    return response.json()["value"]


def requests(sb: SandboxProcess, endpoint: str) -> int:
    return sb.control.stats()["requests"].get(f"bluesky_{endpoint}", 0)


def text_post(text: str = "Hello Bluesky", **kw: Any) -> PostContent:
    return PostContent(text=text, **kw)
