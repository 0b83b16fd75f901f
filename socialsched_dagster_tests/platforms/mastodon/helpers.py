"""Mastodon accounts, jobs and sandbox reads shared by the tests."""

from __future__ import annotations

from typing import Any

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.sandbox.process import SandboxProcess

P = Platform.MASTODON
ACCOUNT = "109300000000000001"
IMAGE = Media.parse("https://cdn.example.com/m1.png")
IMAGE_2 = Media.parse("https://cdn.example.com/m2.jpg")
VIDEO = Media.parse("https://cdn.example.com/m3.mp4")


def job(
    sb: SandboxProcess,
    content: PostContent,
    *,
    target_id: int = 1,
    account: str = ACCOUNT,
    token: str | None = None,
    container_id: str | None = None,
    server_url: str | None = "",
    **mint: Any,
) -> PublishJob:
    if token is None:
        token = sb.control.mint_token(P.value, account, expires_in=None, **mint)["access_token"]
    server = sb.base_url if server_url == "" else server_url
    return PublishJob(target_id, P, account, token, content, container_id, server_url=server)


def statuses(sb: SandboxProcess, account: str = ACCOUNT) -> list[dict[str, Any]]:
    """What the account shows, through the instance's public API."""
    response = httpx.get(f"{sb.base_url}/api/v1/accounts/{account}/statuses")
    response.raise_for_status()
    return response.json()


def requests(sb: SandboxProcess, endpoint: str) -> int:
    return sb.control.stats()["requests"].get(endpoint, 0)
