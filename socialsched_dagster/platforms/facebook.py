"""Facebook Pages: one call publishes (feed, photos or videos); reconciliation reads the feed.

Pages have no idempotency key and no marker a client could attach without changing the post,
so after an ambiguous outcome the page's recent feed is searched for a post saying exactly what
we sent. That is evidence, not proof: if the page posted the same words within the look-back
window (a recurring "Good morning!"), reconciliation takes that post for ours and our post is
not sent: a missed post rather than a double one, which is the side this project errs on.
"""

from __future__ import annotations

import httpx

from ..domain.content import MediaKind, PostContent
from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from .base import CallGuard, PublishJob, Reconciled, Reconciliation
from .config import PlatformConfig
from .graph_api import GraphApi
from .http import HttpOwner
from .recent import recent_items


class FacebookClient(HttpOwner):
    platform = Platform.FACEBOOK

    def __init__(
        self, config: PlatformConfig, guard: CallGuard, http: httpx.Client | None = None
    ) -> None:
        self.config = config
        super().__init__(config, http)
        self.graph = GraphApi(self.platform, config, guard, self.http)

    def prepare(self, job: PublishJob) -> str | None:
        return None  # a single call publishes: nothing to create first

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        c, page = job.content, job.account_external_id
        media = c.media
        if len(media) > 1:
            raise PublishError(ErrorKind.VALIDATION, "one photo or video per Facebook post")
        if not media:
            data = {"message": c.text, **({"link": c.link} if c.link else {})}
            body = self.graph.post(job, f"{page}/feed", "feed post", data, publishes=True)
        elif media[0].kind is MediaKind.IMAGE:
            data = {"url": media[0].url, "caption": c.text}
            body = self.graph.post(job, f"{page}/photos", "photo post", data, publishes=True)
        else:
            data = {
                "file_url": media[0].url,
                "title": c.title,
                "description": _video_description(c),
            }
            base = self.config.graph_video_base_url
            body = self.graph.post(
                job, f"{page}/videos", "video post", data, base_url=base, publishes=True
            )
        # A photo answers its own id and the feed post's id; the post is what we publish.
        return str(body.get("post_id") or body["id"])

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        expected, link = _feed_message(job.content), job.content.link
        if not expected.strip() and not link:
            # An empty message matches every captionless post: there is nothing to look for.
            return Reconciliation(
                Reconciled.UNKNOWN, detail="post has no text to recognise it by in the feed"
            )
        fields = "id,message,created_time" + (",link" if link else "")
        try:
            items = recent_items(
                self.graph,
                job,
                f"{job.account_external_id}/feed",
                "feed list",
                fields,
                "created_time",
                self.config.reconcile_lookback_s,
            )
            for item in items:
                same_link = not link or item.get("link") == link
                if item.get("message", "") == expected and same_link and item.get("id"):
                    return Reconciliation(
                        Reconciled.PUBLISHED, str(item["id"]), "found by its message"
                    )
        except PublishError as exc:
            return Reconciliation(Reconciled.UNKNOWN, detail=f"page feed: {exc}")
        return Reconciliation(
            Reconciled.NOT_PUBLISHED, detail="no recent post with this message in the page feed"
        )


def _video_description(c: PostContent) -> str:
    return c.description or c.text


def _feed_message(c: PostContent) -> str:
    """What the feed shows as `message` for what we sent: a video's is its description."""
    if c.media and c.media[0].kind is MediaKind.VIDEO:
        return _video_description(c)
    return c.text
