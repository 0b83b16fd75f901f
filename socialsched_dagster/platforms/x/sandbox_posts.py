"""The X sandbox's posts: POST /2/tweets, GET /2/users/:id/tweets, GET /2/users/me.

Creation checks in the order X reports them: the body, the post replied to ("deleted or not
visible"), the media ("Your media IDs are invalid."), the text (empty; over 280 weighted
characters), then the duplicate check (403 "You are not allowed to create a Tweet with
duplicate content.": the same text as one of the account's recent posts). Every create counts
toward the user's 15-minute window and the app's 24 hours; 429 when either is spent.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import sandbox_render as render
from .sandbox_http import (
    TARGET_HEADER,
    Refused,
    answer,
    invalid,
    json_body,
    open_call,
    problem,
    rate_headers,
    sb_of,
)
from .sandbox_state import PLATFORM
from .text import MAX_WEIGHTED_LENGTH, weighted_length

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)
REPLY_GONE = "You attempted to reply to a Tweet that is deleted or not visible to you."
MEDIA_INVALID = "Your media IDs are invalid."


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _app_window(request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    limits = sb.limits
    return sb.count("create_app", "app", limits.create_per_app, limits.create_app_window_s)


async def create_post(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    body = await json_body(request)  # read first: no await between the checks and the commit
    account, headers = open_call(request, "create", sb.limits.create_per_user)
    app = _app_window(request)
    headers.update(rate_headers(app, "x-app-limit-24hour"))
    if app["remaining"] < 0:
        return problem(429, headers=headers)
    if not isinstance(body, dict):
        return invalid("Request body must be a JSON object.", headers=headers)
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        return invalid("`text` must be a string.", {"text": [str(text)]}, headers)
    text = _normal(text or "")
    reply, attach = body.get("reply"), body.get("media")
    if reply is not None and not (isinstance(reply, dict) and reply.get("in_reply_to_tweet_id")):
        return invalid(
            "`reply.in_reply_to_tweet_id` is required.", {"reply": [str(reply)]}, headers
        )
    if attach is not None and not (isinstance(attach, dict) and attach.get("media_ids")):
        return invalid("`media.media_ids` is required.", {"media": [str(attach)]}, headers)
    reply_to = str(reply["in_reply_to_tweet_id"]) if reply else None
    if reply_to is not None and reply_to not in sb.posts:
        return problem(403, REPLY_GONE, headers)
    media_ids = [str(i) for i in (attach or {}).get("media_ids") or []]
    media = [sb.usable(i, account) for i in media_ids]
    kinds = [m for m in media if m is not None and (m.is_video or m.is_gif)]
    if None in media or len(media) > 4 or (kinds and len(media) > 1):
        return invalid(MEDIA_INVALID, {"media.media_ids": media_ids}, headers)
    if not text and not media:
        return invalid("Post text or media is required.", {"text": [""]}, headers)
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        return invalid(TOO_LONG, {"text": [text]}, headers)
    if text and _repeats(request, account, text):
        return problem(403, DUPLICATE, headers)
    entry = state.ledger.new_entry(
        platform=PLATFORM,
        account=account,
        external_id=sb.new_id(),
        endpoint="x_create_post",
        ts=state.now(),
        text=text,
        source_id=None,
        target=request.headers.get(TARGET_HEADER),
        media_ids=media_ids,
        media_keys=[m.key for m in media if m is not None],
    )
    entry["in_reply_to"] = reply_to
    state.record(entry)  # on_ledger: the account's timeline
    shown, _entities = render.rendered(entry)
    pid = entry["external_id"]
    data = {"id": pid, "text": shown, "edit_history_tweet_ids": [pid]}
    return answer({"data": data}, headers, 201)


def _repeats(request: Request, account: str, text: str) -> bool:
    sb, now = sb_of(request), request.app.state.sandbox.now()
    recent = (p for p in sb.of_account(account) if now - p["ts"] < sb.limits.duplicate_window_s)
    return any(_normal(p.get("_text") or "") == text for p in recent)


# -- reading -------------------------------------------------------------------------------


def _when(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise Refused(
            invalid(f"Invalid '{name}':'{value}'. '{name}' must be a valid RFC 3339 date.")
        ) from None


def _page_token(post_id: str) -> str:
    return f"7140dibdnow9c7btw{int(post_id):x}"


def _from_token(token: str) -> int | None:
    prefix = "7140dibdnow9c7btw"
    try:
        return int(token[len(prefix) :], 16) if token.startswith(prefix) else None
    except ValueError:
        return None


async def user_posts(request: Request) -> Response:
    sb = sb_of(request)
    _account, headers = open_call(request, "timeline", sb.limits.timeline_per_user)
    q, who = request.query_params, request.path_params["id"]
    if not who.isdigit():
        return invalid(
            f"The `id` query parameter value [{who}] does not match ^[0-9]{{1,19}}$",
            {"id": [who]},
            headers,
        )
    raw_max = q.get("max_results", "10")
    if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
        return invalid(
            f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100",
            {"max_results": [raw_max]},
            headers,
        )
    start, end = _when(q.get("start_time"), "start_time"), _when(q.get("end_time"), "end_time")
    items = sb.of_account(who)
    if q.get("since_id", "").isdigit():
        items = [p for p in items if int(p["external_id"]) > int(q["since_id"])]
    elif start is not None:
        items = [p for p in items if p["ts"] >= start]
    if q.get("until_id", "").isdigit():
        items = [p for p in items if int(p["external_id"]) < int(q["until_id"])]
    elif end is not None:
        items = [p for p in items if p["ts"] <= end]
    excluded = set((q.get("exclude") or "").split(","))
    if "replies" in excluded:
        items = [p for p in items if not p.get("in_reply_to")]
    token = q.get("pagination_token")
    if token:
        below = _from_token(token)
        if below is None:
            return invalid(
                f"The `pagination_token` query parameter value [{token}] is not valid",
                {"pagination_token": [token]},
                headers,
            )
        items = [p for p in items if int(p["external_id"]) < below]
    page, more = items[: int(raw_max)], len(items) > int(raw_max)
    fields = set(filter(None, (q.get("tweet.fields") or "").split(",")))
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["external_id"], oldest_id=page[-1]["external_id"])
        if more:
            meta["next_token"] = _page_token(page[-1]["external_id"])
    body: dict[str, Any] = {"meta": meta}
    if page:
        body = {"data": [render.post(sb, p, fields) for p in page], "meta": meta}
    return answer(body, headers)


async def users_me(request: Request) -> Response:
    sb = sb_of(request)
    account, headers = open_call(request, "me", sb.limits.me_per_user)
    user = {"id": account, "name": "Sandbox user", "username": render.username(account)}
    return answer({"data": user}, headers)
