"""YouTube video resources, bearer-token auth and videos.list (reconciliation reads it)."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.clock import rfc3339
from ...sandbox.state import SandboxState, UploadSession


def bearer_account(request: Request) -> str | None:
    """The channel of a valid, unexpired, unrevoked YouTube access token, else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    claims, problem = request.app.state.sandbox.check_token(token.strip(), ("youtube",))
    return None if problem else claims.account


def quota_exceeded() -> Response:
    return errors.google_error(
        403,
        "quotaExceeded",
        "The request cannot be completed because you have exceeded your quota.",
        domain="youtube.quota",
    )


def video_resource(
    state: SandboxState, session: UploadSession, parts: tuple[str, ...] = ("snippet", "status")
) -> dict[str, Any]:
    entry = state.ledger.by_external_id.get(session.video_id or "")
    published = entry["ts"] if entry else session.created_at
    out: dict[str, Any] = {
        "kind": "youtube#video",
        "etag": hashlib.sha1(session.id.encode()).hexdigest()[:27],
        "id": session.video_id,
    }
    if "snippet" in parts:
        out["snippet"] = {
            "publishedAt": rfc3339(published),
            "channelId": session.account,
            "title": session.title,
            "description": session.description,
            "tags": session.tags,
            "categoryId": session.category_id,
            "channelTitle": f"Sandbox channel {session.account}",
        }
    if "status" in parts:
        out["status"] = {
            "uploadStatus": "uploaded",
            "privacyStatus": session.privacy,
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
        }
    return out


async def videos_list(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if bearer_account(request) is None:
        return errors.google_auth_error()
    if not state.yt_quota.charge(state.settings.yt_list_cost, state.now()):
        return quota_exceeded()
    ids = [i for i in request.query_params.get("id", "").split(",") if i]
    parts = tuple(p.strip() for p in request.query_params.get("part", "id").split(","))
    items = [video_resource(state, state.videos[i], parts) for i in ids if i in state.videos]
    body = {
        "kind": "youtube#videoListResponse",
        "etag": hashlib.sha1(",".join(ids).encode()).hexdigest()[:27],
        "items": items,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
    }
    return errors.json_response(body)
