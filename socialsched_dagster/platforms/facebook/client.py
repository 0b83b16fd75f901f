"""Facebook Pages: a post gets its id before it goes public, so a lost answer is settled by id.

- `prepare` creates the post unpublished (`published=false`, a draft nobody sees) and returns
  its id, which the publisher stores on the target. A photo is first uploaded unpublished
  (`published=false`, `temporary=true`) and attached to the draft (`attached_media`).
- `publish` is the one call that makes it public: `POST /{post-id}` with `is_published=true`.
  Sent twice it still makes one post: it is the same post.
- `reconcile` reads the post by id (`is_published`): public, still a draft (publish it), or gone
  (an expired or deleted draft: prepare a new one).

Why not `scheduled_publish_time` (also an id before going live): Graph wants it 10 minutes to
30 days ahead and publishes on its own clock, which breaks our due-time claims, holds, cancels
and the stale cutoff (a held or cancelled post would still go out unless deleted in time).

Videos are published in one call: Graph creates an unpublished video only for advertising (the
ADVERTISE task and `pages_manage_ads`, not a publishing app's permissions). Their reconcile, and
that of a target with no stored id (in flight when this protocol came in), searches the Page by
content (facebook_match.py).
"""

from __future__ import annotations

import json

import httpx

from ...domain.content import Media, MediaKind, PostContent
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciled, Reconciliation
from ..config import PlatformConfig
from ..graph_api import GraphApi
from ..http import HttpOwner
from .match import find_published, video_description

GONE = "100/33"  # "Object with ID ... does not exist, cannot be loaded ..."


class FacebookClient(HttpOwner):
    platform = Platform.FACEBOOK

    def __init__(
        self, config: PlatformConfig, guard: CallGuard, http: httpx.Client | None = None
    ) -> None:
        self.config = config
        super().__init__(config, http)
        self.graph = GraphApi(self.platform, config, guard, self.http)

    def prepare(self, job: PublishJob) -> str | None:
        c, page = job.content, job.account_external_id
        media = _single_media(c)
        if media is not None and media.kind is MediaKind.VIDEO:
            return None  # published in one call (see the module's docstring)
        data = {"published": "false", "unpublished_content_type": "DRAFT"}
        if c.text:
            data["message"] = c.text
        if media is not None:
            photo = {"url": media.url, "published": "false", "temporary": "true"}
            body = self.graph.post(job, f"{page}/photos", "unpublished photo", photo)
            data["attached_media"] = json.dumps([{"media_fbid": str(body["id"])}])
        elif c.link:
            data["link"] = c.link
        return str(self.graph.post(job, f"{page}/feed", "draft post", data)["id"])

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        media = _single_media(job.content)
        if container_id is None:
            if media is None or media.kind is not MediaKind.VIDEO:
                # Nothing was sent: the post must exist, unpublished, before it can go public.
                raise PublishError(ErrorKind.UNKNOWN, "facebook: no draft post to publish")
            return self._publish_video(job, media)
        body = self.graph.post(
            job, container_id, "publish post", {"is_published": "true"}, expect=(),
            publishes=True,
        )  # fmt: skip
        if body.get("success") is not True:
            raise PublishError(
                ErrorKind.UNKNOWN_OUTCOME, f"facebook publish post: answered {body!r}"
            )
        return container_id

    def _publish_video(self, job: PublishJob, media: Media) -> str:
        c = job.content
        data = {"file_url": media.url, "title": c.title, "description": video_description(c)}
        body = self.graph.post(
            job, f"{job.account_external_id}/videos", "video post", data,
            base_url=self.config.graph_video_base_url, publishes=True,
        )  # fmt: skip
        return str(body["id"])

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        if container_id is None:
            return find_published(self.graph, job, self.config.reconcile_lookback_s)
        fields = {"fields": "id,is_published,created_time"}
        try:
            body = self.graph.get(job, container_id, "post status", params=fields)
        except PublishError as exc:
            if exc.code == GONE:
                return Reconciliation(
                    Reconciled.NOT_PUBLISHED,
                    detail=f"post {container_id} no longer exists (an expired or deleted draft)",
                    container_usable=False,
                )
            return Reconciliation(Reconciled.UNKNOWN, detail=f"post {container_id}: {exc}")
        if body.get("is_published") is True:
            return Reconciliation(
                Reconciled.PUBLISHED, str(body.get("id") or container_id), "read by its id"
            )
        if body.get("is_published") is False:
            return Reconciliation(Reconciled.NOT_PUBLISHED, detail="the post is still a draft")
        return Reconciliation(
            Reconciled.UNKNOWN, detail=f"post {container_id}: no is_published in {body!r}"
        )


def _single_media(c: PostContent) -> Media | None:
    if len(c.media) > 1:
        raise PublishError(ErrorKind.VALIDATION, "one photo or video per Facebook post")
    return c.media[0] if c.media else None
