"""LinkedIn (the versioned /rest API): images uploaded (prepare), `POST /rest/posts` (publish),
reconciliation from the author's own posts.

LinkedIn has no idempotency key. `prepare` records the time and the image URNs before the post
is sent (the publisher stores them), so a lost answer is settled by reading the author's posts
back and finding ours (reconcile.py), never by sending again. A resend that happens anyway (a
post not yet visible when read) is refused by LinkedIn as "Content is a duplicate of
urn:li:share:..", which names the live post: that is the post, and it is recorded as published.
"""

from __future__ import annotations

import time

import httpx

from ...cache.redis_cache import RedisCache
from ...domain.content import MediaKind
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciliation
from ..config import PlatformConfig
from ..http import Call, HttpOwner, malformed
from . import reconcile as reconciling
from .api import LinkedInApi
from .errors import duplicate_of
from .images import Images
from .posts import post_body
from .prepared import Prepared
from .settings import LinkedInSettings
from .urns import author_kind, is_post


class LinkedInClient(HttpOwner):
    platform = Platform.LINKEDIN

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
        settings: LinkedInSettings | None = None,
    ) -> None:
        self.settings = settings or LinkedInSettings.from_env()
        super().__init__(config, http)
        self.api = LinkedInApi(config, self.settings, guard, self.http)
        self.images = Images(config, self.settings, self.api)
        self.refusals = reconciling.ReadRefusals()

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # an earlier attempt uploaded them: reuse, never upload again
            return job.container_id
        author_kind(job.account_external_id)
        if any(m.kind is MediaKind.VIDEO for m in job.content.media):
            raise PublishError(
                ErrorKind.VALIDATION, "socialsched does not publish videos to LinkedIn", "video"
            )
        started_ms = int(time.time() * 1000)
        images = tuple(self.images.upload(job, m) for m in job.content.media)
        return Prepared(started_ms, images).encode()

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(ErrorKind.UNKNOWN, "linkedin publish needs the record of prepare")
        prepared = Prepared.decode(container_id)
        self.images.wait_available(job, prepared.images)
        body = post_body(job.account_external_id, job.content, prepared.images)
        try:
            response = self.api.request(
                job, "POST", "/rest/posts", "posts create", json=body, publishes=True
            )
        except PublishError as exc:
            live = duplicate_of(exc)
            if live is not None:
                return live  # LinkedIn names the post that is already up: this one
            raise
        urn = response.headers.get("x-restli-id", "")
        if not is_post(urn):
            # A 201 without the URN: the post is most likely up, so reconcile, never resend.
            call = Call("linkedin posts create", True, (job.access_token,), publishes=True)
            raise malformed(call, response, f"x-restli-id is {urn!r}, not a post URN")
        return urn

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        return reconciling.reconcile(self.api, self.settings, job, container_id, self.refusals)
