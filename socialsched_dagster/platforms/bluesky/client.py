"""Bluesky publishing: images uploaded and a record key chosen (prepare), the post record created
under that key (publish), and reconciliation by reading that one key back.

Exactly once by construction: the key is stored before the first createRecord, and every attempt
writes under it, so however many times the call is repeated there is at most one post. A repeat
that meets a record already there is told so with a 500 by the reference PDS (it has no
"already exists" error), so any server failure on createRecord is followed by one getRecord:
the same post there (text, and the post it answers) means an earlier attempt made it (its URI is
returned); another post means the key is taken, a permanent error, never a post under a new key.

A thread goes out one segment per job, each prepared with a key of its own (a new TID per
prepare), each segment after the head a reply to the one before (replies.py).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

import httpx

from ...cache.redis_cache import RedisCache
from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Reconciled, Reconciliation
from ..config import PlatformConfig
from ..http import HttpOwner, excerpt
from .errors import BLOB_NOT_FOUND
from .images import upload_images
from .record_handle import BlobRef, RecordHandle
from .replies import parent_of, reply_ref, split_post_uri
from .richtext import facets, post_text
from .sessions import SessionStore
from .tid import new_tid
from .xrpc import Xrpc, XrpcTransport

log = logging.getLogger(__name__)

POST = "app.bsky.feed.post"
HANDLE_TTL_S = 3600.0  # a handle's DID, for mentions: handles move rarely
Reply = dict[str, Any] | None  # a record's `reply` (replies.py), None for a post that answers none


class BlueskyClient(HttpOwner):
    platform = Platform.BLUESKY

    def __init__(
        self,
        config: PlatformConfig,
        guard: CallGuard,
        http: httpx.Client | None = None,
        cache: RedisCache | None = None,
    ) -> None:
        self.cache = cache
        super().__init__(config, http)
        transport = XrpcTransport(self.platform, guard, self.http)
        self.sessions = SessionStore(transport, cache)
        self.xrpc = Xrpc(transport, self.sessions)
        # Blob refs that did not fit the stored handle, for the publish right after prepare.
        self._blobs: dict[str, tuple[BlobRef, ...]] = {}

    # -- prepare: images and the record key -------------------------------------------------

    def prepare(self, job: PublishJob) -> str:
        if job.container_id:  # the key of an earlier attempt: the same key, always
            return job.container_id
        blobs = upload_images(self.xrpc, self.config, job) if job.content.media else ()
        handle = RecordHandle(new_tid(), blobs or None)
        stored = handle.dumps()
        if blobs and RecordHandle.loads(stored).blobs is None:
            if len(self._blobs) > 1000:  # prepared but never published: do not grow forever
                self._blobs.clear()
            self._blobs[handle.rkey] = blobs
        return stored

    # -- publish ------------------------------------------------------------------------------

    def publish(self, job: PublishJob, container_id: str | None) -> str:
        handle = _handle(container_id)
        text = post_text(job.content)
        reply = self.reply_refs(job)  # a read: before anything is uploaded or written
        blobs = handle.blobs or self._blobs.pop(handle.rkey, None)
        if job.content.media and not blobs:
            blobs = upload_images(self.xrpc, self.config, job)
        try:
            return self._write(job, handle.rkey, text, blobs or (), reply)
        except PublishError as exc:
            if (exc.http_status or 0) < 500 or exc.http_status == 501:
                raise
            return self._read_back(job, handle.rkey, text, exc)

    def _write(
        self, job: PublishJob, rkey: str, text: str, blobs: tuple[BlobRef, ...], reply: Reply
    ) -> str:
        try:
            return self._create(job, rkey, text, blobs, reply)
        except PublishError as exc:
            if exc.code != BLOB_NOT_FOUND or not blobs:
                raise
        # Uploaded too long ago: the PDS dropped the blobs no record named. The record was
        # refused (nothing written), so upload again and create once more.
        return self._create(job, rkey, text, upload_images(self.xrpc, self.config, job), reply)

    def _create(
        self, job: PublishJob, rkey: str, text: str, blobs: tuple[BlobRef, ...], reply: Reply
    ) -> str:
        record = self.record(job, text, blobs, reply)
        body = self.xrpc.request(
            job, "com.atproto.repo.createRecord", procedure=True, effectful=True,
            publishes=True, expect=("uri", "cid"),
            json={"repo": job.account_external_id, "collection": POST, "rkey": rkey,
                  "record": record},
        )  # fmt: skip
        return str(body["uri"])

    def record(
        self, job: PublishJob, text: str, blobs: tuple[BlobRef, ...], reply: Reply = None
    ) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
        if reply is not None:
            record["reply"] = reply
        found = facets(text, lambda handle: self.resolve_handle(job, handle))
        if found:
            record["facets"] = found
        if blobs:
            # The content model has no alt text yet: an empty alt is what the lexicon allows.
            images = [{"image": b.record(), "alt": ""} for b in blobs]
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        return record

    def _read_back(self, job: PublishJob, rkey: str, text: str, error: PublishError) -> str:
        try:
            found = self.get_record(job, rkey)
        except PublishError:
            raise error from None  # cannot tell: the publisher reconciles before any retry
        if found is None:
            # A failure that wrote nothing: retried later under the same key.
            raise PublishError(
                ErrorKind.PLATFORM_UNAVAILABLE,
                f"{error.message} (record {rkey} was not written)",
                code=error.code,
                http_status=error.http_status,
                retry_after_s=error.retry_after_s,
            ) from None
        uri, value = found
        if value.get("text") != text or parent_of(value) != job.reply_to:
            raise PublishError(
                ErrorKind.VALIDATION,
                f"record key {rkey} of {job.account_external_id} already holds another post "
                f"({excerpt(str(value.get('text', '')))!r}); nothing was posted: schedule the "
                "post again to publish it under a new key",
                code="RecordKeyTaken",
            ) from None
        log.info("bluesky record %s was already written by an earlier attempt", uri)
        return uri

    # -- reconcile ----------------------------------------------------------------------------

    def reconcile(self, job: PublishJob, container_id: str | None) -> Reconciliation:
        if not container_id:
            return Reconciliation(Reconciled.NOT_PUBLISHED, detail="no record key was chosen")
        try:
            rkey = RecordHandle.loads(container_id).rkey
            found = self.get_record(job, rkey)
        except (PublishError, ValueError) as exc:
            return Reconciliation(Reconciled.UNKNOWN, detail=f"getRecord: {exc}")
        if found is None:
            return Reconciliation(
                Reconciled.NOT_PUBLISHED, detail=f"no record {rkey}: publish under the same key"
            )
        uri, value = found
        answers = parent_of(value)
        if answers != job.reply_to:
            # Another post holds the key (another segment of the thread: the head, or the one
            # before): this one was never written under it, and needs a key of its own.
            what = f"a reply to {answers}" if answers else "no reply"
            return Reconciliation(
                Reconciled.NOT_PUBLISHED,
                detail=f"record {rkey} is another post ({what}); a new record key is needed",
                container_usable=False,
            )
        return Reconciliation(Reconciled.PUBLISHED, uri, f"record {rkey} exists")

    # -- reads --------------------------------------------------------------------------------

    def get_record(self, job: PublishJob, rkey: str) -> tuple[str, dict[str, Any]] | None:
        """(uri, record) of the account's post under `rkey`, or None when there is none."""
        found = self._get(job, job.account_external_id, rkey, ("uri",))
        return None if found is None else (found[0], found[2])

    def _get(
        self, job: PublishJob, repo: str, rkey: str, expect: tuple[str, ...]
    ) -> tuple[str, str, dict[str, Any]] | None:
        """(uri, cid, record) of the post `rkey` in `repo`, None when there is none."""
        params = {"repo": repo, "collection": POST, "rkey": rkey}
        try:
            body = self.xrpc.query(job, "com.atproto.repo.getRecord", params, expect=expect)
        except PublishError as exc:
            if exc.code == "RecordNotFound":
                return None
            raise
        value = body.get("value")
        return (
            str(body["uri"]),
            str(body.get("cid") or ""),
            value if isinstance(value, dict) else {},
        )

    def reply_refs(self, job: PublishJob) -> Reply:
        """The `reply` of a thread's segment, from one getRecord of the post it answers; None
        for a post that answers none."""
        if not job.reply_to:
            return None
        try:
            repo, rkey = split_post_uri(job.reply_to)
        except ValueError as exc:
            raise PublishError(ErrorKind.VALIDATION, f"the thread's previous post: {exc}") from None
        found = self._get(job, repo, rkey, ("uri", "cid"))
        if found is None:
            raise PublishError(
                ErrorKind.VALIDATION,
                f"the post this one replies to ({job.reply_to}) is no longer on Bluesky; "
                "nothing was posted",
                code="RecordNotFound",
            )
        uri, cid, value = found
        try:
            reply = reply_ref(uri, cid, value)
        except ValueError as exc:
            raise PublishError(ErrorKind.UNKNOWN, f"bluesky getRecord: {exc}") from None
        if job.thread_root and reply["root"]["uri"] != job.thread_root:
            log.warning(
                "bluesky: %s belongs to the thread of %s, not of %s; replying in its thread",
                uri, reply["root"]["uri"], job.thread_root,
            )  # fmt: skip
        return reply

    def resolve_handle(self, job: PublishJob, handle: str) -> str | None:
        """The DID of `handle`, None if it resolves to none (its mention stays plain text)."""

        def load() -> str:
            body = self.xrpc.query(
                job, "com.atproto.identity.resolveHandle", {"handle": handle}, expect=("did",)
            )
            return str(body["did"])

        try:
            if self.cache is None:
                return load()
            return self.cache.get_or_set(f"bluesky:handle:{handle}", load, HANDLE_TTL_S)
        except PublishError as exc:
            if exc.kind is ErrorKind.VALIDATION:  # HandleNotFound, "Unable to resolve handle"
                return None
            raise


def _handle(container_id: str | None) -> RecordHandle:
    if not container_id:
        raise PublishError(ErrorKind.UNKNOWN, "bluesky publish needs a record key from prepare")
    try:
        return RecordHandle.loads(container_id)
    except ValueError as exc:
        raise PublishError(ErrorKind.UNKNOWN, f"stored Bluesky record handle: {exc}") from None


def _now() -> str:
    now = datetime.fromtimestamp(time.time(), timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
