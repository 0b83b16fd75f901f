"""Publishing one claimed target: reconcile if needed, prepare, persist, publish, record."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime

from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from ..platforms.base import PlatformClient, Reconciled
from ..security.token_cipher import TokenCipher, TokenKeyError
from ..store.database import Database
from ..store.models import utcnow
from ..store.publishing import Claim, Outcome, record, save_container
from ..store.tokens import require_reauth
from ..tokens.refresher import TokenRefresher
from . import outcomes
from .jobs import JobContext, load_job
from .settings import PublishSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetResult:
    target_id: int
    account: str
    due_at: datetime
    status: str
    attempt_outcome: str
    attempts: int
    finished_at: datetime
    error: str | None
    recorded: bool

    @property
    def lateness_s(self) -> float:
        return (self.finished_at - self.due_at).total_seconds()


class LeaseLost(RuntimeError):
    """Another run owns the target now; this one must not call the platform for it."""


class TargetPublisher:
    def __init__(
        self,
        db: Database,
        cipher: TokenCipher,
        client: PlatformClient,
        platform: Platform,
        run_id: str,
        settings: PublishSettings,
        refresher: TokenRefresher | None = None,
    ):
        self.db, self.cipher, self.client = db, cipher, client
        self.refresher = refresher
        self.platform, self.run_id, self.settings = platform, run_id, settings
        self._scale = settings.retry_scale

    def process(self, claim: Claim, *, backfill: bool) -> TargetResult:
        started = utcnow()
        context: JobContext | None = None
        try:
            context = self._load(claim)
        except TokenKeyError as unreadable:
            # The key that encrypted this token is gone: no retry can help, a person must
            # reconnect the account (or restore the key). Hold the post instead of looping.
            return self._record(claim, None, outcomes.held_for_reauth(str(unreadable)), started)
        try:
            try:
                outcome = self._publish(claim, context, backfill)
            except PublishError as error:
                if error.kind is not ErrorKind.AUTH_EXPIRED or self.refresher is None:
                    raise
                outcome = self._refresh_and_retry(claim, context, backfill, error)
        except PublishError as error:
            outcome = self._after_error(claim, context, error)
        except LeaseLost as lost:
            # Nothing was sent and nothing may be written: the new owner decides.
            log.warning("target %s: %s", claim.target_id, lost)
            return self._result(claim, context, outcomes.lease_lost(), started, recorded=False)
        return self._record(claim, context, outcome, started)

    def _load(self, claim: Claim) -> JobContext:
        return self.db.transaction(
            lambda s: load_job(s, self.cipher, claim, self.platform),
            name="load job",
            read_only=True,
        )

    def _refresh_and_retry(self, claim, context, backfill, error: PublishError) -> Outcome:
        """The token was refused: refresh it once (or take the one another run just got) and
        try this target once more. A second refusal propagates and holds the target: never a
        loop of refreshes."""
        result = self.refresher.refresh(claim.account_id, after_auth_error_on=context.token_version)
        if result.outcome == "failed_permanent":
            return outcomes.held_for_reauth(result.message)
        if result.outcome == "failed_transient":
            refused = PublishError(
                ErrorKind.AUTH_EXPIRED, f"token refresh failed: {result.message}"
            )
            return outcomes.retry_later(refused, claim.attempts, utcnow(), self._scale)
        log.info("target %s: token refreshed after %s; retrying once", claim.target_id, error.code)
        fresh = self._load(replace(claim, container_id=self._current_container(claim)))
        return self._publish(replace(claim, needs_reconcile=False), fresh, backfill)

    def _publish(self, claim: Claim, context: JobContext, backfill: bool) -> Outcome:
        if context.account_status != "active":
            return outcomes.held_for_account(context.account_status)
        job = context.job
        if claim.needs_reconcile:
            verdict, container_usable = self._reconcile(job, claim.container_id)
            if verdict is not None:
                return verdict
            if not container_usable:
                job = replace(job, container_id=None)
        if not backfill and claim.due_at < utcnow() - self.settings.stale_after:
            return outcomes.missed(self.settings.stale_after)
        container = job.container_id
        if container is None:
            container = self.client.prepare(job)
            if container is not None:
                owned = self.db.transaction(
                    lambda s: save_container(s, claim.target_id, self.run_id, container),
                    name="save container",
                )
                if not owned:
                    raise LeaseLost("lease lost before the publishing call; not sending")
        external_id = self.client.publish(job, container)
        return outcomes.published(external_id)

    def _reconcile(self, job, container_id) -> tuple[Outcome | None, bool]:
        """An earlier attempt may have gone out. Returns (outcome, container usable): the
        outcome if it went out or we cannot tell; None if it certainly did not, in which case
        publishing may proceed (with the same container, if still usable)."""
        try:
            result = self.client.reconcile(job, container_id)
        except PublishError as error:
            return outcomes.undecided(utcnow(), 1, f"reconcile failed: {error}", self._scale), True
        if result.state is Reconciled.PUBLISHED:
            return outcomes.published(result.external_id, reconciled=True), True
        if result.state is Reconciled.UNKNOWN:
            return outcomes.undecided(
                utcnow(), 1, result.detail or "outcome still unknown", self._scale
            ), True
        return None, result.container_usable

    def _after_error(self, claim: Claim, context: JobContext | None, error: PublishError):
        if context is not None and error.kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.DUPLICATE):
            # The request may have been applied (or the platform says it was): ask, don't guess.
            time.sleep(0.2)
            job = context.job
            container = self._current_container(claim) or job.container_id
            verdict, _usable = self._reconcile(job, container)
            if verdict is not None:
                return verdict
            if error.kind is ErrorKind.DUPLICATE:
                return outcomes.after_error(error, claim.attempts, utcnow(), self._scale)
            # Not visible on the platform yet. It may still appear (a feed can lag the write),
            # so the retry keeps unknown_outcome and asks the platform again before sending.
        return outcomes.after_error(error, claim.attempts, utcnow(), self._scale)

    def _current_container(self, claim: Claim) -> str | None:
        from ..store.models import PostTarget

        with self.db.session() as s:
            return s.get(PostTarget, claim.target_id).container_id

    def _record(self, claim, context, outcome: Outcome, started: datetime) -> TargetResult:
        finished = utcnow()
        latency = int((finished - started).total_seconds() * 1000)
        owned = self.db.transaction(
            lambda s: record(
                s, claim, self.run_id, outcome,
                started_at=started, finished_at=finished, latency_ms=latency,
            ),
            name="record outcome",
        )  # fmt: skip
        if not owned:
            log.warning(
                "target %s: lease lost before recording %s", claim.target_id, outcome.status
            )
        if outcome.status is outcomes.S.HELD and context and context.account_status == "active":
            # Holds the account's other scheduled targets too (a no-op if a refresh did it).
            self.db.transaction(
                lambda s: require_reauth(
                    s, claim.account_id, outcome.error_message or "", finished
                ),
                name="account needs reauth",
            )
        return self._result(claim, context, outcome, started, recorded=owned, finished=finished)

    def _result(self, claim, context, outcome, started, *, recorded, finished=None):
        return TargetResult(
            target_id=claim.target_id,
            account=f"{self.platform.value}:{context.handle}" if context else "?",
            due_at=claim.due_at,
            status=outcome.status.value,
            attempt_outcome=outcome.attempt_outcome,
            attempts=claim.attempts,
            finished_at=finished or utcnow(),
            error=outcome.error_message,
            recorded=recorded,
        )
