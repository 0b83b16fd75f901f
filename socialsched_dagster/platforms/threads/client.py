"""Threads publishing: container (prepare), status + threads_publish (publish), and
reconciliation from the container's status.

Threads has no idempotency key. What makes exactly-once possible is the container: the
publisher stores its id before threads_publish, and a container that says PUBLISHED has gone
out, so it is never published again. A container lives 24 h: one that says EXPIRED never went
out, and the next attempt replaces it (`replace_container`). A refusal of threads_publish is
settled by the container's own status, not by guessing from undocumented error codes.

A thread has one container per segment, each after the head a reply to the segment before
(`reply_to_id`) and counted against the replies cap; the id of a segment that went out is looked
up among the account's replies to that segment (lookup.py).
"""

from __future__ import annotations

import logging

import httpx

from ...cache.cached_lookups import media_url_ok
from ...cache.redis_cache import RedisCache
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciled, Reconciliation
from ..config import PlatformConfig
from ..http import HttpOwner
from ..media_fetcher import media_fetcher
from . import errors, quota
from .api import ThreadsApi
from .containers import as_reply, carousel_fields, check_link, media_fields, single_fields
from .lookup import find_post_id
from .status import READY, WAITING, container_status, wait_until_ready

log = logging.getLogger(__name__)

# Answers that say nothing about the container: settled elsewhere (reconcile, refresh, wait).
NOT_ABOUT_THE_CONTAINER = frozenset(
    {
        ErrorKind.UNKNOWN_OUTCOME,
        ErrorKind.AUTH_EXPIRED,
        ErrorKind.ACCOUNT_BLOCKED,
        ErrorKind.RATE_LIMITED,
        ErrorKind.NETWORK,
        ErrorKind.PLATFORM_UNAVAILABLE,
    }
)


class ThreadsClient(HttpOwner):
    platform = Platform.THREADS

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
    ) -> None:
        # Shared by every run: the publishing limit is asked at most once a minute per account
        # far from the cap (quota.py); without a cache, before every publish.
        self.cache = cache
        super().__init__(config, http)
        self.api = ThreadsApi(config, guard, self.http)

    # -- prepare: the container ---------------------------------------------------------------

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # an earlier attempt made one: reuse it, never a second
            return job.container_id
        content = job.content
        check_link(content)
        self._check_media_reachable(job)
        if len(content.media) <= 1:
            return self._create(job, as_reply(single_fields(content), job.reply_to))
        children = [self._create(job, media_fields(m, carousel_item=True)) for m in content.media]
        return self._create(job, as_reply(carousel_fields(content, children), job.reply_to))

    def _check_media_reachable(self, job: PublishJob) -> None:
        """Threads fetches the media itself and fails the container later if it cannot;
        asking first (answers cached an hour) turns that into a quick retry."""
        if self.cache is None:
            return
        for item in job.content.media:
            if not media_url_ok(self.cache, media_fetcher(self.config), item.url):
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    "the media URL does not answer yet; retrying before creating a container",
                    "media_unreachable",
                )

    def _create(self, job: PublishJob, data: dict[str, str]) -> str:
        body = self.api.post(job, f"{job.account_external_id}/threads", "create container", data)
        return str(body["id"])

    # -- publish ------------------------------------------------------------------------------

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(ErrorKind.UNKNOWN, "threads publish needs a container from prepare")
        if wait_until_ready(self.api, self.config, job, container_id) == "PUBLISHED":
            return self._already_published(job, container_id)
        self._check_cap(job)
        path = f"{job.account_external_id}/threads_publish"
        try:
            body = self.api.post(
                job, path, "threads_publish", {"creation_id": container_id}, publishes=True
            )
        except PublishError as exc:
            if exc.kind is ErrorKind.QUOTA_EXHAUSTED:  # the cap, reached since we read it
                raise self._cap_reached(job, fresh=True) from exc
            if exc.kind in NOT_ABOUT_THE_CONTAINER:
                raise
            return self._after_refusal(job, container_id, exc)
        return str(body["id"])

    def publishing_limit(self, job: PublishJob, cap: quota.Cap = quota.POSTS) -> quota.Limit:
        return quota.publishing_limit(self.api, job, cap)

    def reply_limit(self, job: PublishJob) -> quota.Limit:
        return self.publishing_limit(job, quota.REPLIES)

    def _check_cap(self, job: PublishJob) -> None:
        """The cap this publish counts against: the posts', or a reply's (a thread's segment
        after the head), honoured the same way."""
        cap = quota.cap_of(job)
        limit = (
            quota.cached_limit(self.cache, self.api, job, cap=cap)
            if self.cache is not None
            else self.publishing_limit(job, cap)
        )
        if limit.full:
            raise self._cap_reached(job, limit)

    def _cap_reached(
        self, job: PublishJob, limit: quota.Limit | None = None, fresh: bool = False
    ) -> PublishError:
        cap = quota.cap_of(job)
        if fresh and self.cache is not None:
            self.cache.invalidate(quota.cache_key(job.account_external_id, cap))
        wait = quota.FALLBACK_WAIT_S
        try:
            limit = limit or self.publishing_limit(job, cap)
            wait = quota.seconds_until_a_slot(self.api, job, limit, cap)
        except PublishError as exc:
            log.info("threads %s cap reached; when a slot frees is unknown: %s", cap.noun, exc)
        return errors.cap_reached(limit, wait, cap.noun, cap.code)

    def _after_refusal(self, job: PublishJob, container_id: str, exc: PublishError) -> str:
        """threads_publish said no: the container's status says why, and what comes next."""
        try:
            status, message = self.container_status(job, container_id)
        except PublishError as read:
            if read.code == errors.UNKNOWN_NODE:
                raise errors.new_container_needed(read) from exc
            raise exc from None
        if status == "PUBLISHED":  # a second publish of a container that went out
            return self._already_published(job, container_id)
        if status == "EXPIRED":
            raise errors.container_expired() from exc
        if status == "ERROR":
            raise errors.container_failed(message) from exc
        raise exc

    def container_status(self, job: PublishJob, container_id: str) -> tuple[str, str]:
        return container_status(self.api, job, container_id)

    def _already_published(self, job: PublishJob, container_id: str) -> str:
        post_id = find_post_id(self.api, job, self.config.reconcile_lookback_s)
        if post_id is None:
            # It went out but we cannot name it: reconciliation records it without an id.
            raise PublishError(
                ErrorKind.UNKNOWN_OUTCOME,
                f"container {container_id} is already published; its post id was not found",
            )
        log.info("threads container %s was already published as %s", container_id, post_id)
        return post_id

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        if not container_id:
            return Reconciliation(Reconciled.NOT_PUBLISHED, detail="no container was created")
        try:
            status, message = self.container_status(job, container_id)
        except PublishError as exc:
            if exc.code == errors.UNKNOWN_NODE:  # the container is unknown to the platform
                return self._by_text(job)
            return Reconciliation(Reconciled.UNKNOWN, detail=f"container status: {exc}")
        if status == "PUBLISHED":
            post_id = self._post_id_or_none(job)
            if post_id is None and job.reply_to:
                # The next segment replies to this one: out without its id, the thread
                # cannot go on, so ask again until the account's replies list it.
                return Reconciliation(
                    Reconciled.UNKNOWN,
                    detail=f"container PUBLISHED; its reply to {job.reply_to} is not listed yet",
                )
            return Reconciliation(Reconciled.PUBLISHED, post_id, "PUBLISHED")
        if status in (*READY, WAITING):
            return Reconciliation(
                Reconciled.NOT_PUBLISHED, detail=f"container {status}: publish the same container"
            )
        return Reconciliation(
            Reconciled.NOT_PUBLISHED,
            detail=f"container {status}: a new container is needed {message}".rstrip(),
            container_usable=False,
        )

    def _post_id_or_none(self, job: PublishJob) -> str | None:
        try:
            return find_post_id(self.api, job, self.config.reconcile_lookback_s)
        except PublishError:
            return None

    def _by_text(self, job: PublishJob) -> Reconciliation:
        try:
            post_id = find_post_id(self.api, job, self.config.reconcile_lookback_s)
        except PublishError as exc:
            return Reconciliation(Reconciled.UNKNOWN, detail=f"threads list: {exc}")
        if post_id is not None:
            return Reconciliation(Reconciled.PUBLISHED, post_id, "container gone, text found")
        return Reconciliation(
            Reconciled.NOT_PUBLISHED,
            detail="container not found: a new container is needed",
            container_usable=False,
        )
