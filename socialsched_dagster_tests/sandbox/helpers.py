"""Small helpers shared by the sandbox tests (plain functions over httpx)."""

from __future__ import annotations

import httpx

from socialsched_dagster.sandbox.process import SandboxProcess

IG, PAGE, CHANNEL = "17841400000000001", "100000000000001", "UCsandboxchannel0001"
APP_ID, APP_SECRET = "123456789", "sandbox-app-secret"


def token(sb: SandboxProcess, platform: str = "instagram", account: str = IG, **kw) -> str:
    return sb.control.mint_token(platform, account, **kw)["access_token"]


def error(response: httpx.Response) -> tuple[int, int | None]:
    err = response.json()["error"]
    return err["code"], err.get("error_subcode")


def ig_image(http: httpx.Client, tok: str, caption: str = "hello #sandbox", **extra) -> str:
    body = {"image_url": "https://cdn.example.com/a.jpg", "caption": caption, "access_token": tok}
    r = http.post(f"/v21.0/{IG}/media", data={**body, **extra})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def ig_publish(http: httpx.Client, tok: str, container: str, target: str | None = None):
    headers = {"X-Socialsched-Target": target} if target else {}
    data = {"creation_id": container, "access_token": tok}
    return http.post(f"/v21.0/{IG}/media_publish", data=data, headers=headers)


def status_of(http: httpx.Client, tok: str, container: str) -> str:
    r = http.get(
        f"/v21.0/{container}", params={"fields": "status_code,status", "access_token": tok}
    )
    assert r.status_code == 200, r.text
    return r.json()["status_code"]
