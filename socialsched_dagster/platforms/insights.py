"""Engagement of published posts (likes, comments, views, shares), read from each platform.

Reads go through the same guard as publishing (rate budgets and breakers are shared: a report
must not spend the budget a publish needs without being counted) and map errors exactly as the
publishing clients do (meta_errors, google_errors). One post's failure never fails the others:
each id gets either an `Engagement` or the `PublishError` that explains why it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from ..domain.content import PostContent
from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from .base import CallGuard, PublishJob
from .config import PlatformConfig
from .google_errors import google_error
from .graph_api import GraphApi
from .http import Call, json_object, send

IG_METRICS = "likes,comments,views,shares"
FB_FIELDS = "likes.summary(true),comments.summary(true),shares"
YT_BATCH = 50  # videos.list takes at most 50 ids per call
# Failures that hold for every post of the account for a while (dead token, missing permission,
# spent budget): the remaining posts are not asked, or each would wait out the rate limiter
# or burn budget only to hear the same answer.
ACCOUNT_WIDE = frozenset(
    {
        ErrorKind.AUTH_EXPIRED,
        ErrorKind.ACCOUNT_BLOCKED,
        ErrorKind.RATE_LIMITED,
        ErrorKind.QUOTA_EXHAUSTED,
    }
)


@dataclass(frozen=True)
class Engagement:
    """None: the platform does not report that number for this kind of post (Facebook posts
    have no view count here; YouTube hides likes or comments when the channel turned them off)."""

    likes: int | None
    comments: int | None
    views: int | None = None
    shares: int | None = None


Result = dict[str, Engagement | PublishError]


def fetch_insights(
    platform: Platform,
    config: PlatformConfig,
    guard: CallGuard,
    http: httpx.Client,
    account_external_id: str,
    access_token: str,
    external_ids: Iterable[str],
) -> Result:
    """Engagement of the account's posts, keyed by the external id each was published as."""
    ids = list(dict.fromkeys(i for i in external_ids if i))  # once each, in the given order
    if platform is Platform.YOUTUBE:
        return _youtube(config, guard, http, account_external_id, access_token, ids)
    # GraphApi wants a PublishJob; a read has no target or content (target 0 marks "none").
    job = PublishJob(0, platform, account_external_id, access_token, PostContent())
    graph = GraphApi(platform, config, guard, http)
    if platform is Platform.INSTAGRAM:
        return _each(ids, lambda media_id: _instagram(graph, job, media_id))
    if platform is Platform.FACEBOOK:
        return _each(ids, lambda post_id: _facebook(graph, job, post_id))
    # Not read for this platform yet: each post says so in the report, the report goes on.
    unread = PublishError(
        ErrorKind.UNKNOWN, f"engagement is not read from {platform.value} yet", code="unsupported"
    )
    return dict.fromkeys(ids, unread)


def _each(ids: list[str], read: Callable[[str], Engagement]) -> Result:
    out: Result = {}
    for i, external_id in enumerate(ids):
        try:
            out[external_id] = read(external_id)
        except PublishError as exc:
            out[external_id] = exc
            if exc.kind in ACCOUNT_WIDE:
                out.update(dict.fromkeys(ids[i + 1 :], _not_asked(exc)))
                break
    return out


def _not_asked(cause: PublishError) -> PublishError:
    return PublishError(
        cause.kind,
        f"not read: an earlier read of this account failed: {cause.message}",
        code=cause.code,
        http_status=cause.http_status,
        retry_after_s=cause.retry_after_s,
    )


def _instagram(graph: GraphApi, job: PublishJob, media_id: str) -> Engagement:
    def parse(body: dict[str, Any]) -> Engagement:
        values = {m["name"]: int(m["values"][0]["value"]) for m in body["data"]}
        return Engagement(
            likes=values.get("likes"),
            comments=values.get("comments"),
            views=values.get("views"),
            shares=values.get("shares"),
        )

    params = {"metric": IG_METRICS}
    return graph.get(job, f"{media_id}/insights", "instagram insights", params, parse=parse)


def _facebook(graph: GraphApi, job: PublishJob, post_id: str) -> Engagement:
    def parse(body: dict[str, Any]) -> Engagement:
        return Engagement(
            likes=int(body["likes"]["summary"]["total_count"]),
            comments=int(body["comments"]["summary"]["total_count"]),
            # Graph omits `shares` on a post nobody shared.
            shares=int((body.get("shares") or {}).get("count", 0)),
        )

    params = {"fields": FB_FIELDS}
    return graph.get(job, post_id, "facebook engagement", params, parse=parse)


def _youtube(
    config: PlatformConfig,
    guard: CallGuard,
    http: httpx.Client,
    channel: str,
    access_token: str,
    ids: list[str],
) -> Result:
    url = f"{config.youtube_api_base_url.rstrip('/')}/youtube/v3/videos"
    call = Call("youtube videos.list", False, (access_token,))
    headers = {"Authorization": f"Bearer {access_token}"}
    out: Result = {}
    for start in range(0, len(ids), YT_BATCH):
        batch = ids[start : start + YT_BATCH]
        params = {"part": "statistics", "id": ",".join(batch)}  # no maxResults with `id`

        def once(params: dict[str, str] = params) -> dict[str, Any]:
            response = send(http, call, "GET", url, params=params, headers=headers)
            if response.status_code != 200:
                raise google_error(call, response)
            return json_object(call, response)

        try:
            body = guard.call(Platform.YOUTUBE, channel, once)
            found = {str(item["id"]): _yt_engagement(item) for item in body.get("items") or []}
        except PublishError as exc:
            out.update(dict.fromkeys(batch, exc))  # the batch failed together
            if exc.kind in ACCOUNT_WIDE:
                out.update(dict.fromkeys(ids[start + YT_BATCH :], _not_asked(exc)))
                break
            continue
        except (KeyError, TypeError, ValueError) as exc:
            error = PublishError(ErrorKind.UNKNOWN, f"youtube videos.list: unexpected shape {exc}")
            out.update(dict.fromkeys(batch, error))
            continue
        for video_id in batch:
            # videos.list says "not found" by leaving the id out of `items`.
            out[video_id] = found.get(video_id) or PublishError(
                ErrorKind.VALIDATION,
                f"video {video_id} not found (deleted, private or never published)",
                code="videoNotFound",
                http_status=200,
            )
    return out


def _yt_engagement(item: dict[str, Any]) -> Engagement:
    stats = item["statistics"]

    def count(name: str) -> int | None:
        value = stats.get(name)
        return None if value is None else int(value)

    return Engagement(
        likes=count("likeCount"), comments=count("commentCount"), views=count("viewCount")
    )
