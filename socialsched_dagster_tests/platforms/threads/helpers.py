"""Accounts, jobs and raw sandbox calls shared by the Threads tests."""

from __future__ import annotations

from typing import Any

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.sandbox.process import SandboxProcess

P = Platform.THREADS
USER = "27000000000000042"
IMAGE = Media.parse("https://cdn.example.com/a.jpg")
IMAGE_2 = Media.parse("https://cdn.example.com/b.png")
VIDEO = Media.parse("https://samples.socialsched.dev/clip.mp4")


def token(sb: SandboxProcess, **mint: Any) -> str:
    return sb.control.mint_token(P.value, USER, **mint)["access_token"]


def job(
    sb: SandboxProcess,
    content: PostContent,
    *,
    target_id: int = 1,
    access_token: str | None = None,
    container_id: str | None = None,
    **mint: Any,
) -> PublishJob:
    access_token = access_token or token(sb, **mint)
    return PublishJob(target_id, P, USER, access_token, content, container_id)


def text(value: str) -> PostContent:
    return PostContent(text=value)


def publish_raw(sb: SandboxProcess, access_token: str, count: int) -> None:
    """`count` text posts straight through the API (container, then threads_publish), as
    another app publishing for the same account would."""
    base = f"{sb.base_url}/threads/v1.0/{USER}"
    auth = {"Authorization": f"Bearer {access_token}"}
    with httpx.Client(headers=auth, timeout=10) as http:
        for n in range(count):
            made = http.post(f"{base}/threads", data={"media_type": "TEXT", "text": f"raw {n}"})
            made.raise_for_status()
            done = http.post(f"{base}/threads_publish", data={"creation_id": made.json()["id"]})
            done.raise_for_status()


def reply_raw(sb: SandboxProcess, access_token: str, parent: str, count: int) -> None:
    """`count` text replies to `parent` straight through the API, as another app would."""
    base = f"{sb.base_url}/threads/v1.0/{USER}"
    auth = {"Authorization": f"Bearer {access_token}"}
    with httpx.Client(headers=auth, timeout=10) as http:
        for n in range(count):
            data = {"media_type": "TEXT", "text": f"reply {n}", "reply_to_id": parent}
            made = http.post(f"{base}/threads", data=data)
            made.raise_for_status()
            done = http.post(f"{base}/threads_publish", data={"creation_id": made.json()["id"]})
            done.raise_for_status()


def read(sb: SandboxProcess, access_token: str, path: str, fields: str) -> dict[str, Any]:
    """A raw GET of the Threads API (`{media}`, `{user}/threads`, ...) with `fields`."""
    response = httpx.get(
        f"{sb.base_url}/threads/v1.0/{path}",
        params={"fields": fields},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()
