"""The Posts API in the sandbox, written from its reference:

- `POST /rest/posts`: the author must be the token's, with w_member_social (member) or
  w_organization_social (page); commentary in little format, at most 3,000 characters, not
  blank; content one of `media` (an image of the author's, uploaded), `multiImage` (2-20) or
  `article` (`source` and `title`: LinkedIn does not scrape). 201 with an empty body and the
  URN in `x-restli-id`: urn:li:share for text and articles, urn:li:ugcPost for images. The same
  commentary and content again within 10 minutes: 422 "Content is a duplicate of <urn>". Over
  the member's or the app's posts for the UTC day: 429.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from starlette.responses import Response

from .little_text import utf16_length
from .sandbox_calls import LinkedInCall, refuse
from .sandbox_little import read
from .sandbox_state import PLATFORM

ENDPOINT = "linkedin_posts_create"
AUTHOR = re.compile(r"^urn:li:(?:person:[A-Za-z0-9_-]+|organization:\d+)$")
_VISIBILITY = ("PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER")
_THROTTLED = "Resource level throttle limit for calls to this resource is reached."


def bad(code: str, message: str):
    return refuse(400, code, message)


async def create_post(call: LinkedInCall) -> Response:
    li, state, config = call.li, call.state, call.li.config
    try:
        body = json.loads(await call.request.body() or b"{}")
    except ValueError:
        raise bad("ILLEGAL_ARGUMENT", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad("ILLEGAL_ARGUMENT", "Request body must be a JSON object")
    author = body.get("author")
    if not isinstance(author, str) or not author:
        raise bad("MISSING_FIELD", "/author is required but missing")
    if not AUTHOR.match(author):
        raise bad(
            "INVALID_URN_TYPE", f"/author value {author} must be a person or organization URN"
        )
    if not call.may_write(author):
        raise call.denied("partnerApiPostsExternal", "CREATE")
    _check_fields(body)
    commentary = body.get("commentary", "")
    if not isinstance(commentary, str):
        raise bad("INVALID_VALUE_FOR_FIELD", "/commentary must be a string")
    if utf16_length(commentary) > config.commentary_max:
        raise bad(
            "FIELD_LENGTH_TOO_LONG",
            f"/commentary length {utf16_length(commentary)} can't exceed maximum "
            f"{config.commentary_max} length",
        )
    kept, shown = read(commentary)
    if not shown.strip():
        raise bad("INVALID_VALUE_BLANK_FIELD", "/commentary can't be blank")
    content = body.get("content")
    _check_content(call, author, content)
    if li.posts_today(author) >= config.member_daily_posts or (
        li.posts_today(None) >= config.app_daily_posts
    ):
        state.stats.rate_limit_violations += 1
        state.stats.throttled[ENDPOINT] += 1
        raise refuse(429, "TOO_MANY_REQUESTS", _THROTTLED, 101)
    duplicate = li.duplicate_of(author, kept, content)
    if duplicate is not None:
        raise refuse(422, "DUPLICATE_POST", f"Content is a duplicate of {duplicate}")
    kind = (
        "ugcPost"
        if isinstance(content, dict) and ("media" in content or "multiImage" in content)
        else "share"
    )
    urn = f"urn:li:{kind}:7{secrets.randbelow(10**18):018d}"
    entry = state.ledger.new_entry(
        platform=PLATFORM, account=author, external_id=urn, endpoint=ENDPOINT, ts=state.now(),
        text=shown, source_id=None, target=call.target, commentary=kept, content=content,
        visibility=body["visibility"], distribution=body["distribution"],
        reshare=bool(body.get("isReshareDisabledByAuthor", False)), version=call.version,
    )  # fmt: skip
    state.record(entry)
    return Response(status_code=201, headers={"x-restli-id": urn, "x-linkedin-id": urn})


def _check_fields(body: dict[str, Any]) -> None:
    visibility = body.get("visibility")
    if visibility is None:
        raise bad("MISSING_FIELD", "/visibility is required but missing")
    if visibility not in _VISIBILITY:
        raise bad("INVALID_VALUE_FOR_FIELD", f"/visibility can't be set to {visibility}")
    distribution = body.get("distribution")
    if not isinstance(distribution, dict) or "feedDistribution" not in distribution:
        raise bad("MISSING_FIELD", "/distribution/feedDistribution is required but missing")
    if distribution["feedDistribution"] not in ("MAIN_FEED", "NONE"):
        feed = distribution["feedDistribution"]
        raise bad(
            "INVALID_VALUE_FOR_FIELD", f"/distribution/feedDistribution can't be set to {feed}"
        )
    state = body.get("lifecycleState")
    if state is None:
        raise bad("MISSING_FIELD", "/lifecycleState is required but missing")
    if state != "PUBLISHED":  # DRAFT exists; the sandbox only publishes
        raise bad("INVALID_VALUE_FOR_FIELD", f"/lifecycleState can't be set to {state}")


def _check_content(call: LinkedInCall, author: str, content: Any) -> None:
    if content is None:
        return
    if not isinstance(content, dict) or len(content) != 1:
        raise bad("INVALID_VALUE_FOR_FIELD", "/content must hold exactly one kind of content")
    kind, value = next(iter(content.items()))
    if kind == "media" and isinstance(value, dict):
        _check_image(call, author, value.get("id"))
    elif kind == "multiImage" and isinstance(value, dict):
        images = value.get("images") if isinstance(value.get("images"), list) else []
        low, high = call.li.config.multi_image_min, call.li.config.multi_image_max
        if not low <= len(images) <= high:
            raise bad(
                "INVALID_VALUE_FOR_FIELD",
                f"/content/multiImage/images must hold {low}-{high} images",
            )
        for image in images:
            _check_image(call, author, image.get("id") if isinstance(image, dict) else None)
    elif kind == "article" and isinstance(value, dict):
        source = value.get("source")
        if not isinstance(source, str) or not source.startswith(("https://", "http://")):
            raise bad("MISSING_FIELD", "/content/article/source is required but missing")
        if not isinstance(value.get("title"), str) or not value["title"].strip():
            raise bad("MISSING_FIELD", "/content/article/title is required but missing")
    else:
        raise bad("INVALID_VALUE_FOR_FIELD", f"/content/{kind} is not created by the sandbox")


def _check_image(call: LinkedInCall, author: str, urn: Any) -> None:
    image = call.li.images.get(urn) if isinstance(urn, str) else None
    if image is None:
        raise bad("INVALID_IMAGE_ID", "This Image ID is invalid")
    if image.owner != author:
        raise refuse(
            403,
            "ACCESS_DENIED",
            "Accessing this image resource is forbidden. Please check your permissions for "
            "this resource",
            100,
        )
    status = call.li.image_status(image)
    if status == "WAITING_UPLOAD":
        raise bad("MEDIA_ASSET_WAITING_UPLOAD", "Media asset is waiting upload")
    if status == "PROCESSING_FAILED":
        raise bad("MEDIA_ASSET_PROCESSING_FAILED", "Media asset failed processing")
