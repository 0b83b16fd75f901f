"""Reading posts in the sandbox, as the Posts API reference describes it:
`GET /rest/posts/{urn}` and the finder `GET /rest/posts?q=author&author=..` (newest first,
`start`, `count` up to 100). Reading needs r_member_social for a member's posts (restricted to
approved apps) or r_organization_social for a page's, and the token must be the author's.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...sandbox import errors
from .sandbox_calls import LinkedInCall, refuse
from .sandbox_posts import AUTHOR, bad
from .sandbox_state import PLATFORM


def render(e: dict[str, Any]) -> dict[str, Any]:
    ms = int(e["ts"] * 1000)
    post: dict[str, Any] = {
        "id": e["external_id"],
        "author": e["account"],
        "commentary": e.get("_commentary", ""),
        "visibility": e.get("_visibility", "PUBLIC"),
        "distribution": e.get("_distribution", {"feedDistribution": "MAIN_FEED"}),
        "lifecycleState": "PUBLISHED",
        "lifecycleStateInfo": {"isEditedByAuthor": False},
        "isReshareDisabledByAuthor": e.get("_reshare", False),
        "createdAt": ms,
        "publishedAt": ms,
        "lastModifiedAt": ms,
    }
    if e.get("_content"):
        post["content"] = e["_content"]
    return post


async def get_post(call: LinkedInCall, urn: str) -> Response:
    entry = call.state.ledger.by_external_id.get(urn)
    if entry is None or entry["platform"] != PLATFORM:
        raise refuse(404, "NOT_FOUND", "Could not find entity")
    if not call.may_read(entry["account"]):
        raise call.denied("partnerApiPostsExternal", "GET")
    return errors.json_response(render(entry))


async def list_posts(call: LinkedInCall) -> Response:
    q = call.request.query_params
    if q.get("q") != "author":
        raise bad("ILLEGAL_ARGUMENT", "Unsupported finder: expected q=author")
    author = q.get("author") or ""
    if not AUTHOR.match(author):
        raise bad("INVALID_URN_TYPE", f"author value {author} must be a person or organization URN")
    if not call.may_read(author):
        raise call.denied("partnerApiPostsExternal", "FINDER-author")
    try:
        start, count = int(q.get("start", 0)), int(q.get("count", 10))
    except ValueError:
        raise bad("ILLEGAL_ARGUMENT", "start and count must be integers") from None
    if start < 0 or not 1 <= count <= 100:
        raise bad("ILLEGAL_ARGUMENT", "count must be 1-100 and start at least 0")
    if q.get("sortBy", "LAST_MODIFIED") not in ("LAST_MODIFIED", "CREATED"):
        raise bad("INVALID_VALUE_FOR_FIELD", f"sortBy can't be set to {q.get('sortBy')}")
    newest = list(reversed(call.li.posts_of(author)))
    page = newest[start : start + count]
    links = []
    if start + count < len(newest):
        href = f"/rest/posts?q=author&author={author}&count={count}&start={start + count}"
        links.append({"type": "application/json", "rel": "next", "href": href})
    paging = {"start": start, "count": count, "links": links, "total": len(newest)}
    return errors.json_response({"paging": paging, "elements": [render(e) for e in page]})
