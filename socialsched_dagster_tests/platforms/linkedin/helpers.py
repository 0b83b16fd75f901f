"""Accounts, jobs and sandbox calls shared by the LinkedIn tests."""

from __future__ import annotations

from typing import Any

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.sandbox.process import SandboxProcess

P = Platform.LINKEDIN
PAGE = "urn:li:organization:10000042"
MEMBER = "urn:li:person:aB3xK9-member"
CLIENT_ID, CLIENT_SECRET = "sandbox-li-client", "sandbox-li-secret"
IMAGE = Media.parse("https://cdn.example.com/a.jpg")
IMAGE_2 = Media.parse("https://cdn.example.com/b.png")
VIDEO = Media.parse("https://cdn.example.com/clip.mp4")
VERSION = "202611"


def token(sb: SandboxProcess, account: str = PAGE, **mint: Any) -> str:
    return sb.control.mint_token(P.value, account, **mint)["access_token"]


def tokens_with_refresh(sb: SandboxProcess, account: str, **mint: Any) -> dict[str, Any]:
    """An access token and a refresh token, as a partner app gets them."""
    body = {"platform": P.value, "account": account, "refresh_token": True, **mint}
    response = httpx.post(f"{sb.base_url}/_sandbox/tokens", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def job(
    sb: SandboxProcess,
    content: PostContent,
    *,
    account: str = PAGE,
    target_id: int = 1,
    access_token: str | None = None,
    container_id: str | None = None,
    **mint: Any,
) -> PublishJob:
    access_token = access_token or token(sb, account, **mint)
    return PublishJob(target_id, P, account, access_token, content, container_id)


def text(value: str) -> PostContent:
    return PostContent(text=value)


def grant(sb: SandboxProcess, account: str, *scopes: str) -> None:
    """The permissions the account's token holds from now on (the sandbox's approval)."""
    response = httpx.post(
        f"{sb.base_url}/_sandbox/linkedin/scopes",
        json={"account": account, "scopes": list(scopes)},
        timeout=10,
    )
    response.raise_for_status()


def configure(sb: SandboxProcess, **settings: Any) -> dict[str, Any]:
    response = httpx.post(f"{sb.base_url}/_sandbox/linkedin/config", json=settings, timeout=10)
    response.raise_for_status()
    return response.json()


def rest(
    sb: SandboxProcess,
    method: str,
    path: str,
    access_token: str,
    version: str | None = VERSION,
    **kw: Any,
) -> httpx.Response:
    """A raw /rest call, as another client of the same account would make it."""
    headers = {"X-Restli-Protocol-Version": "2.0.0"}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    if version:
        headers["Linkedin-Version"] = version
    return httpx.request(
        method, f"{sb.base_url}/linkedin/rest{path}", headers=headers, timeout=10, **kw
    )


def post_raw(sb: SandboxProcess, access_token: str, author: str, commentary: str) -> str:
    """A text post made outside socialsched (the page's own staff): its URN."""
    body = {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED"},
        "lifecycleState": "PUBLISHED",
    }
    response = rest(sb, "POST", "/posts", access_token, json=body)
    assert response.status_code == 201, response.text
    return response.headers["x-restli-id"]
