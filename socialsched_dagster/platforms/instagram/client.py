"""Instagram content publishing: container (prepare), status + media_publish (publish), and
reconciliation from the container's status.

Instagram has no idempotency key. What makes exactly-once possible is the container: the
publisher stores its id before media_publish, and a container that says PUBLISHED has gone out,
so it is never published again. A container lives 24 h: one that says EXPIRED (or that
media_publish refuses as expired or unusable) never went out, and the next attempt replaces it
(`replace_container`), so that a backfill of yesterday's missed post can still publish it.
"""

from __future__ import annotations

import logging
import time

import httpx

from ...cache.cached_lookups import cached_publishing_limit, media_url_ok
from ...cache.redis_cache import RedisCache
from ...domain.content import Media, MediaKind
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciled, Reconciliation
from ..config import PlatformConfig
from ..graph_api import GraphApi
from ..http import HttpOwner
from ..media_fetcher import media_fetcher
from ..recent import recent_items

log = logging.getLogger(__name__)

READY, WAITING = ("FINISHED", "PUBLISHED"), "IN_PROGRESS"
# media_publish subcodes whose documented remedy is "generate a new container and try again":
# 2207020 media expired, 2207053 unknown upload error (video), 2207006 media not found.
DEAD_CONTAINER_SUBCODES = frozenset({"2207020", "2207053", "2207006"})
UNKNOWN_NODE = "100/33"  # "Object with ID ... does not exist"
# A slot frees when the oldest post in the rolling window ages out; when that is cannot be seen
# without reading the account's history, and asking again costs one cheap GET.
QUOTA_RETRY_S = 3600.0


class InstagramClient(HttpOwner):
    platform = Platform.INSTAGRAM

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
    ) -> None:
        self.config = config
        # Shared by every run: the publishing limit is asked at most once a minute per account
        # far from the cap (cache/cached_lookups.py); without a cache, before every publish.
        self.cache = cache
        super().__init__(config, http)
        self.graph = GraphApi(self.platform, config, guard, self.http)

    # -- prepare: the container ---------------------------------------------------------------

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # an earlier attempt made one: reuse it, never a second
            return job.container_id
        media, caption = job.content.media, job.content.text
        if not media:
            raise PublishError(ErrorKind.VALIDATION, "Instagram needs at least one image or video")
        self._check_media_reachable(media)
        if len(media) == 1:
            return self._create(job, {**_media_fields(media[0], False), "caption": caption})
        children = [self._create(job, _media_fields(m, True)) for m in media]
        data = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption}
        return self._create(job, data)

    def _check_media_reachable(self, media) -> None:
        """Instagram fetches the media itself and fails the container minutes later if it
        cannot; asking first (answers cached an hour) turns that into a quick retry."""
        if self.cache is None:
            return
        for item in media:
            if not media_url_ok(self.cache, media_fetcher(self.config), item.url):
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    "the media URL does not answer yet; retrying before creating a container",
                    "media_unreachable",
                )

    def _create(self, job: PublishJob, data: dict[str, str]) -> str:
        body = self.graph.post(job, f"{job.account_external_id}/media", "create container", data)
        return str(body["id"])

    # -- publish ------------------------------------------------------------------------------

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(
                ErrorKind.UNKNOWN, "instagram publish needs a container from prepare"
            )
        if self._wait_until_ready(job, container_id) == "PUBLISHED":
            return self._already_published(job, container_id)
        usage, total = (
            cached_publishing_limit(self.cache, self, job)
            if self.cache is not None
            else self.publishing_limit(job)
        )
        if usage >= total:
            raise PublishError(
                ErrorKind.QUOTA_EXHAUSTED,
                f"Instagram publishing limit reached: {usage} of {total} posts in the window",
                retry_after_s=QUOTA_RETRY_S,
            )
        path = f"{job.account_external_id}/media_publish"
        try:
            body = self.graph.post(
                job, path, "media_publish", {"creation_id": container_id}, publishes=True
            )
        except PublishError as exc:
            # 9007/2207027 also answers a second publish of a container that already went out.
            if (exc.code or "").startswith("9007") and self._is_published(job, container_id):
                return self._already_published(job, container_id)
            replacement = _dead_container(exc)
            if replacement is None:
                raise
            raise replacement from exc
        return str(body["id"])

    def publishing_limit(self, job: PublishJob) -> tuple[int, int]:
        """(posts in the rolling window, the cap) as the platform reports them right now."""

        def parse(body: dict) -> tuple[int, int]:
            entry = body["data"][0]
            return int(entry["quota_usage"]), int(entry["config"]["quota_total"])

        params = {"fields": "quota_usage,config"}
        path = f"{job.account_external_id}/content_publishing_limit"
        return self.graph.get(job, path, "publishing limit", params=params, parse=parse)

    def container_status(self, job: PublishJob, container_id: str) -> tuple[str, str]:
        """(status_code, status text) of a container."""
        body = self.graph.get(
            job,
            container_id,
            "container status",
            params={"fields": "status_code,status"},
            expect=("status_code",),
        )
        return str(body["status_code"]).upper(), str(body.get("status") or "")

    def _wait_until_ready(self, job: PublishJob, container_id: str) -> str:
        deadline = time.monotonic() + self.config.container_poll_timeout_s
        while True:
            try:
                code, text = self.container_status(job, container_id)
            except PublishError as exc:
                if exc.code != UNKNOWN_NODE:
                    raise
                # The platform no longer knows the container. Publish is only reached when no
                # earlier media_publish may have gone out (else the publisher reconciles first,
                # by caption), so a new container is safe.
                raise _new_container_needed(exc) from exc
            if code in READY:
                return code
            if code == "ERROR":
                raise PublishError(ErrorKind.VALIDATION, text or "media container failed", "ERROR")
            if code == "EXPIRED":
                # Never published within its 24 h (PUBLISHED would say so): replace it.
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"{text or 'media container expired'} A new container is needed.",
                    "EXPIRED",
                    replace_container=True,
                )
            if code != WAITING:
                raise PublishError(ErrorKind.UNKNOWN, f"unexpected container status {code!r}")
            if time.monotonic() + self.config.container_poll_interval_s > deadline:
                raise PublishError(
                    ErrorKind.MEDIA_PROCESSING,
                    f"media still processing after {self.config.container_poll_timeout_s:g} s",
                    WAITING,
                )
            time.sleep(self.config.container_poll_interval_s)

    def _is_published(self, job: PublishJob, container_id: str) -> bool:
        try:
            return self.container_status(job, container_id)[0] == "PUBLISHED"
        except PublishError:
            return False

    def _already_published(self, job: PublishJob, container_id: str) -> str:
        media_id = self.find_media_id(job)
        if media_id is None:
            # It went out but we cannot name it: reconciliation records it without an id.
            raise PublishError(
                ErrorKind.UNKNOWN_OUTCOME,
                f"container {container_id} is already published; its media id was not found",
            )
        log.info("instagram container %s was already published as %s", container_id, media_id)
        return media_id

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        if not container_id:
            return Reconciliation(Reconciled.NOT_PUBLISHED, detail="no container was created")
        try:
            code, text = self.container_status(job, container_id)
            if code == "PUBLISHED":
                media_id = self._media_id_or_none(job)
                return Reconciliation(Reconciled.PUBLISHED, media_id, "container PUBLISHED")
        except PublishError as exc:
            if exc.code == UNKNOWN_NODE:  # the container is unknown to the platform
                return self._by_caption(job)
            return Reconciliation(Reconciled.UNKNOWN, detail=f"container status: {exc}")
        if code in (*READY, WAITING):
            return Reconciliation(
                Reconciled.NOT_PUBLISHED, detail=f"container {code}: publish the same container"
            )
        return Reconciliation(
            Reconciled.NOT_PUBLISHED,
            detail=f"container {code}: a new container is needed ({text})",
            container_usable=False,
        )

    def _media_id_or_none(self, job: PublishJob) -> str | None:
        try:
            return self.find_media_id(job)
        except PublishError:
            return None

    def _by_caption(self, job: PublishJob) -> Reconciliation:
        try:
            media_id = self.find_media_id(job)
        except PublishError as exc:
            return Reconciliation(Reconciled.UNKNOWN, detail=f"media list: {exc}")
        if media_id is not None:
            return Reconciliation(Reconciled.PUBLISHED, media_id, "container gone, caption found")
        return Reconciliation(
            Reconciled.NOT_PUBLISHED,
            detail="container not found: a new container is needed",
            container_usable=False,
        )

    def find_media_id(self, job: PublishJob) -> str | None:
        """The newest recent post whose caption is ours.

        Instagram links a container to its media nowhere a client can read, so the caption is
        the only evidence; two identical captions within the look-back are indistinguishable and
        the newer one is taken. Asked when the container says PUBLISHED (a post with this
        caption does exist) or when the container is gone (then a match is only likely ours).
        """
        items = recent_items(
            self.graph,
            job,
            f"{job.account_external_id}/media",
            "media list",
            "id,caption,timestamp",
            "timestamp",
            self.config.reconcile_lookback_s,
        )
        for item in items:
            if item.get("caption", "") == job.content.text and item.get("id"):
                return str(item["id"])
        return None


def _dead_container(exc: PublishError) -> PublishError | None:
    """media_publish refused the container as unusable: a definite "not published" (its status
    said FINISHED just before), so the next attempt may create a new one. An answer whose
    outcome is unknown stays unknown: the publisher reconciles it through the container."""
    subcode = (exc.code or "").rpartition("/")[2]
    if exc.kind is ErrorKind.UNKNOWN_OUTCOME or subcode not in DEAD_CONTAINER_SUBCODES:
        return None
    return _new_container_needed(exc)


def _new_container_needed(exc: PublishError) -> PublishError:
    """The platform's refusal of a dead container, as a retry that prepares a new one."""
    return PublishError(
        ErrorKind.MEDIA_PROCESSING,
        f"{exc.message} A new container is needed.",
        exc.code,
        http_status=exc.http_status,
        replace_container=True,
    )


def _media_fields(media: Media, carousel_item: bool) -> dict[str, str]:
    if media.kind is MediaKind.VIDEO:
        # Feed videos are Reels now; carousel children keep media_type VIDEO.
        fields = {"media_type": "VIDEO" if carousel_item else "REELS", "video_url": media.url}
    else:
        fields = {"image_url": media.url}
    if carousel_item:
        fields["is_carousel_item"] = "true"
    return fields
