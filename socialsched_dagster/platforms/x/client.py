"""X (API v2): media upload (prepare), POST /2/tweets (publish), reconciliation by the account's
own posts.

X has no idempotency key. `prepare` uploads the media and returns their ids and keys, which
the publisher stores before the post request: a retry attaches the same uploads, never new
ones. `publish` waits for X to process videos, within the attempt, then posts; a segment of a
thread is posted as a reply to the segment before it. A lost answer is settled by
reconciliation (reconcile.py); X refusing a repeat as duplicate content is reported as
DUPLICATE, which the publisher settles by asking reconciliation too, never by posting again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import httpx

from ...cache.redis_cache import RedisCache
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciliation
from ..config import PlatformConfig
from ..http import HttpOwner
from .api import XApi
from .handle import Prepared
from .reconcile import reconcile
from .rules import segment_rules
from .settings import XSettings
from .text import post_text
from .uploads import MediaUploads


class XClient(HttpOwner):
    platform = Platform.X

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
        settings: XSettings | None = None,
    ) -> None:
        self.settings = settings or XSettings.from_env()
        super().__init__(config, http)
        self.api = XApi(config, guard, self.http)
        self.uploads = MediaUploads(config, self.settings, self.api)
        self._verified: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # -- prepare: checks, then the uploads ------------------------------------------------------

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # an earlier attempt uploaded them: reuse, never upload again
            return job.container_id
        problems = segment_rules(job.content)
        if problems:
            raise PublishError(
                ErrorKind.VALIDATION, "; ".join(p.reason for p in problems), "content_rules"
            )
        self._check_account(job)
        prepared_at = time.time()
        uploaded = tuple(self.uploads.upload(job, media) for media in job.content.media)
        return Prepared(uploaded, prepared_at).encode()

    def _check_account(self, job: PublishJob) -> None:
        """The token must be the account's: reconciliation reads that account's posts, and a
        post made with another user's token would never be found there."""
        digest = hashlib.sha256(job.access_token.encode()).hexdigest()[:16]
        seen = (digest, job.account_external_id)
        with self._lock:
            if seen in self._verified:
                return
        me = self.api.request(job, "GET", "/2/users/me", "users me").data("id")
        if str(me["id"]) != job.account_external_id:
            who = me.get("username") or "?"
            raise PublishError(
                ErrorKind.VALIDATION,
                f"the token belongs to X user {me['id']} (@{who}), not "
                f"{job.account_external_id}: add the account with --external-id {me['id']}",
                "account_mismatch",
            )
        with self._lock:
            self._verified.add(seen)

    # -- publish -------------------------------------------------------------------------------

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(ErrorKind.UNKNOWN, "x publish needs the record of prepare")
        prepared = self.uploads.wait_processed(job, Prepared.decode(container_id))
        return self.post(job, prepared)

    def post(self, job: PublishJob, prepared: Prepared) -> str:
        """POST /2/tweets: the post's id. X answers 201 {"data": {"id", "text"}}."""
        body: dict[str, Any] = {}
        text = post_text(job.content.text, job.content.link)
        if text:
            body["text"] = text
        if prepared.media:
            body["media"] = {"media_ids": prepared.media_ids}
        if job.reply_to:
            body["reply"] = {"in_reply_to_tweet_id": job.reply_to}
        answer = self.api.request(
            job, "POST", "/2/tweets", "create post",
            effectful=True, publishes=True, observe=True, json=body,
        )  # fmt: skip
        return str(answer.data("id")["id"])

    # -- reconcile -----------------------------------------------------------------------------

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        return reconcile(self, job, container_id)
