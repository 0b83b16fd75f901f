"""Mastodon (any instance): media upload (prepare), status POST (publish), reconcile.

Exactly once through the platform's own Idempotency-Key: every POST of a target's status
carries the same key (derived from the target and its content), and Mastodon answers a repeat
of a key it has seen within the hour with the status it already created, instead of creating a
second. `prepare` uploads the media and returns their ids, which the publisher stores before
the status is posted: a retry attaches the same uploads, never new ones. `publish` waits for the
instance to finish processing them, within the attempt, then posts.
"""

from __future__ import annotations

import hashlib
import threading
import time

import httpx

from ...cache.redis_cache import RedisCache
from ...domain.content import MediaKind
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciliation
from ..config import PlatformConfig
from ..http import HttpOwner
from .api import MastodonApi, server_of
from .handle import Prepared
from .instance import InstanceInfo, InstanceLimits
from .reconcile import STATUS_DELETED, reconcile
from .settings import MastodonSettings
from .text_length import countable_length, status_text
from .uploads import MediaUploads


def idempotency_key(job: PublishJob) -> str:
    """The same for every attempt of a target; never the same for two different posts (target
    ids restart in a new database: the content's fingerprint keeps those keys apart). Each
    segment of a thread has its own."""
    segment = f"-s{job.segment}" if job.segment else ""
    return f"socialsched-target-{job.target_id}{segment}-{job.content.fingerprint()[:16]}"


class MastodonClient(HttpOwner):
    platform = Platform.MASTODON

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
        settings: MastodonSettings | None = None,
    ) -> None:
        self.settings = settings or MastodonSettings.from_env()
        super().__init__(config, http)
        self.api = MastodonApi(guard, self.http)
        self.instance = InstanceInfo(self.api, self.settings.instance_cache_s, cache)
        self.uploads = MediaUploads(config, self.settings, self.api)
        self._verified: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    # -- prepare: checks, then the uploads ------------------------------------------------------

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # an earlier attempt uploaded them: reuse, never upload again
            return job.container_id
        self._check_account(job)
        limits = self._check_limits(job)
        uploaded = [self.uploads.upload(job, media, limits) for media in job.content.media]
        return Prepared(tuple(uploaded), time.time()).encode()

    def _check_account(self, job: PublishJob) -> None:
        """The token must be the account's: reconciliation reads that account's statuses."""
        digest = hashlib.sha256(job.access_token.encode()).hexdigest()[:16]
        seen = (server_of(job), digest, job.account_external_id)
        with self._lock:
            if seen in self._verified:
                return
        answer = self.api.request(
            job, "GET", "/api/v1/accounts/verify_credentials", "verify credentials"
        )
        body = answer.object("id")
        if str(body["id"]) != job.account_external_id:
            who = body.get("acct") or body.get("username") or "?"
            raise PublishError(
                ErrorKind.VALIDATION,
                f"the token belongs to Mastodon account {body['id']} (@{who}), not "
                f"{job.account_external_id}: add the account with --external-id {body['id']}",
                "account_mismatch",
            )
        with self._lock:
            self._verified.add(seen)

    def _check_limits(self, job: PublishJob) -> InstanceLimits | None:
        """The instance's own limits, before anything is sent; a refusal is asked twice."""
        limits = self.instance.limits(job)
        if limits is None or not _problems(job, limits):
            return limits
        limits = self.instance.limits(job, fresh=True)
        problems = _problems(job, limits) if limits is not None else []
        if problems:
            raise PublishError(ErrorKind.VALIDATION, "; ".join(problems), "instance_limit")
        return limits

    # -- publish -------------------------------------------------------------------------------

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        if not container_id:
            raise PublishError(ErrorKind.UNKNOWN, "mastodon publish needs the record of prepare")
        prepared = self.uploads.wait_processed(job, Prepared.decode(container_id))
        return str(self.post_status(job, prepared)["id"])

    def post_status(self, job: PublishJob, prepared: Prepared) -> dict:
        """POST /api/v1/statuses with the target's Idempotency-Key; the status it answers."""
        data: dict = {
            "status": status_text(job.content.text, job.content.link),
            "visibility": "public",
        }
        if prepared.media:
            data["media_ids[]"] = prepared.media_ids
        if job.reply_to:  # a thread's segment: a reply to the one before
            data["in_reply_to_id"] = job.reply_to
        try:
            answer = self.api.request(
                job,
                "POST",
                "/api/v1/statuses",
                "create status",
                effectful=True,
                publishes=True,
                headers={"Idempotency-Key": idempotency_key(job)},
                data=data,
            )
        except PublishError as exc:
            if exc.http_status == 404 and exc.message == "Record not found":
                # The key names a status that is gone: it went out, and was deleted since.
                # Posting it again would undo the deletion; reconcile records it as published.
                raise PublishError(
                    ErrorKind.UNKNOWN_OUTCOME,
                    "the status this target's Idempotency-Key made has been deleted since",
                    STATUS_DELETED,
                    http_status=404,
                ) from exc
            raise
        return answer.object("id")

    # -- reconcile -----------------------------------------------------------------------------

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        return reconcile(self, job, container_id)


def _problems(job: PublishJob, limits: InstanceLimits) -> list[str]:
    c, server = job.content, server_of(job)
    problems = []
    length = countable_length(status_text(c.text, c.link), limits.characters_reserved_per_url)
    if length > limits.max_characters:
        problems.append(
            f"text is {length:,} characters as Mastodon counts them (a link counts "
            f"{limits.characters_reserved_per_url}), {server} allows {limits.max_characters:,}: "
            "shorten it"
        )
    if len(c.media) > limits.max_media_attachments:
        problems.append(
            f"{len(c.media)} attachments, {server} allows {limits.max_media_attachments}"
        )
    if len(c.media) > 1 and any(m.kind is MediaKind.VIDEO for m in c.media):
        problems.append("a video must be a Mastodon post's only attachment")
    return problems
