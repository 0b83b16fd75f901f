"""X accounts, jobs and sandbox reads shared by the tests."""

from __future__ import annotations

from typing import Any

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.platforms.x import SANDBOX_PREFIX
from socialsched_dagster.sandbox.process import SandboxProcess

P = Platform.X
USER = "1500000000000000042"
IMAGE = Media.parse("https://cdn.example.com/x1.png")
IMAGE_2 = Media.parse("https://cdn.example.com/x2.jpg")
VIDEO = Media.parse("https://cdn.example.com/x3.mp4")
FIELDS = "created_at,attachments,referenced_tweets,entities,author_id,conversation_id"


def tokens(sb: SandboxProcess, account: str = USER, **body: Any) -> dict[str, Any]:
    """A sandbox access token (2 h unless `expires_in` says) and a refresh token."""
    payload = {"platform": P.value, "account": account, "expires_in": 7200, **body}
    payload.setdefault("refresh_token", True)
    response = httpx.post(f"{sb.base_url}/_sandbox/tokens", json=payload)
    response.raise_for_status()
    return response.json()


def job(
    sb: SandboxProcess,
    content: PostContent,
    *,
    target_id: int = 1,
    account: str = USER,
    token: str | None = None,
    container_id: str | None = None,
    **kw: Any,
) -> PublishJob:
    token = token or tokens(sb, account)["access_token"]
    return PublishJob(target_id, P, account, token, content, container_id, **kw)


def api(sb: SandboxProcess, path: str, token: str, **params: Any) -> httpx.Response:
    """A GET on the X sandbox as another app would make it."""
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{sb.base_url}{SANDBOX_PREFIX}{path}", params=params, headers=headers)


def timeline(sb: SandboxProcess, account: str = USER, **params: Any) -> list[dict[str, Any]]:
    """What the account shows, with the fields a reconciliation asks for."""
    token = tokens(sb, account)["access_token"]
    params = {"max_results": 100, "tweet.fields": FIELDS, **params}
    response = api(sb, f"/2/users/{account}/tweets", token, **params)
    response.raise_for_status()
    return response.json().get("data", [])


def post_raw(sb: SandboxProcess, token: str, body: dict[str, Any]) -> httpx.Response:
    """POST /2/tweets straight to the sandbox, as the account's owner posting by hand."""
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(f"{sb.base_url}{SANDBOX_PREFIX}/2/tweets", json=body, headers=headers)


def requests(sb: SandboxProcess, endpoint: str) -> int:
    return sb.control.stats()["requests"].get(endpoint, 0)
