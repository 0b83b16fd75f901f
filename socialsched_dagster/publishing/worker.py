"""Publishing one claimed target: reconcile if needed, prepare, persist, publish, record.

Order matters, and is the same for every platform:
1. if an earlier attempt may have gone out (the durable marker, or a run that died holding the
   target), ask the platform first: before deciding to hold, miss or send;
2. hold (account not active) or miss (past the stale cutoff) only then;
3. prepare (container, upload session), store its id, publish; right before every effectful
   request the fence confirms this run still owns the target (see `_Attempt.fence`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..domain.errors import ErrorKind, PublishError
from ..domain.platforms import Platform
from ..platforms.base import PlatformClient, PublishJob, Reconciled
from ..platforms.registry import spec
from ..resilience.backoff import max_attempts
from ..security.token_cipher import TokenCipher, TokenKeyError
from ..store.database import Database
from ..store.models import PostTarget
from ..store.publishing import Claim, Outcome, fence, record, record_segment, save_container
from ..store.spend import reserve
from ..store.tokens import require_reauth
from ..tokens.refresher import TokenRefresher
from . import outcomes, segments
from .jobs import JobContext, load_job
from .settings import PublishSettings

log = logging.getLogger(__name__)
# Lease a fence must find left, against the error of each process's estimate of the DB clock.
FENCE_MARGIN = timedelta(seconds=1)


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
    """Another run owns the target now (or this run cannot prove it still does); it must not
    call the platform for it."""


class _Attempt:
    """One attempt's view of the "may have been sent" marker, and its fence.

    `maybe_sent` starts as the claim found it; a reconcile that finds the post certainly not
    published clears it; the fence sets it (durably, before the request leaves) for a request
    that can make the post public. An error answer then tells whether it stays set.
    """

    def __init__(self, publisher: TargetPublisher, claim: Claim):
        self.publisher, self.claim = publisher, claim
        self.maybe_sent = claim.maybe_sent
        self.fenced = False  # a publishing request was let through in this attempt
        # The job of the segment under way (a post without a thread: the post's own), and the
        # ids of the thread's segments that are out, as recorded.
        self.job: PublishJob | None = None
        self.done: list[str] = []
        self.count = 1  # segments in the post

    def fence(self, publishes: bool) -> None:
        p, db = self.publisher, self.publisher.db
        if p.stopping_sends():
            raise LeaseLost("the run's lease renewal is failing; not sending")
        now = db.now()
        try:
            owned = db.transaction(
                lambda s: fence(
                    s, self.claim.target_id, p.run_id, now=now,
                    hold_until=now + p.call_lease, min_left=FENCE_MARGIN, publishes=publishes,
                ),
                name="fence",
            )  # fmt: skip
        except Exception as exc:  # cannot prove ownership: do not send
            raise LeaseLost(f"could not confirm the lease before sending: {exc}") from exc
        if not owned:
            raise LeaseLost("lease lost or about to run out before an irrevocable call")
        if publishes:
            self.maybe_sent, self.fenced = True, True

    def after_error(self, error: PublishError) -> bool:
        """The marker after `error`: an answer that may mean it went out keeps it; a definite
        refusal of the publishing request clears it (the request had no effect)."""
        if error.kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.DUPLICATE):
            return self.maybe_sent
        return False if self.fenced else self.maybe_sent


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
        *,
        call_budget_s: float = 60.0,
        stopping_sends=lambda: False,
    ):
        self.db, self.cipher, self.client = db, cipher, client
        self.refresher = refresher
        self.platform, self.run_id, self.settings = platform, run_id, settings
        self._scale = settings.retry_scale
        # A fence leaves the lease long enough for the slowest call to finish (its timeouts).
        self.call_lease = timedelta(seconds=max(settings.lease_s, call_budget_s + 5))
        self.stopping_sends = stopping_sends

    def process(self, claim: Claim, *, backfill: bool) -> TargetResult:
        started = self.db.now()
        context: JobContext | None = None
        attempt = _Attempt(self, claim)
        try:
            context = self._load(claim)
        except TokenKeyError as unreadable:
            # The key that encrypted this token is gone: no retry can help, a person must
            # reconnect the account (or restore the key). Hold the post instead of looping.
            outcome = outcomes.held_for_reauth(str(unreadable))
            return self._record(claim, None, outcome, started)
        try:
            try:
                try:
                    outcome = self._publish(claim, context, backfill, attempt)
                except PublishError as error:
                    if error.kind is not ErrorKind.AUTH_EXPIRED or self.refresher is None:
                        raise
                    outcome = self._refresh_and_retry(
                        claim, context, backfill, attempt, error, started
                    )
            except PublishError as error:
                outcome = self._after_error(claim, context, error, attempt)
        except LeaseLost as lost:
            # Nothing more may be sent or written: the new owner decides (asking the platform
            # first about anything this run may have sent).
            log.warning("target %s: %s", claim.target_id, lost)
            return self._result(claim, context, outcomes.lease_lost(), started, recorded=False)
        return self._record(claim, context, self._located(outcome, attempt), started)

    def _load(self, claim: Claim) -> JobContext:
        return self.db.transaction(
            lambda s: load_job(s, self.cipher, claim, self.platform),
            name="load job",
            read_only=True,
        )

    def _refresh_and_retry(
        self, claim, context, backfill, attempt: _Attempt, error: PublishError, seen_at
    ) -> Outcome:
        """The token was refused: refresh it once (or take the one another worker just got)
        and try this target once more. A second refusal retries later, never a loop of
        refreshes, and never holds the account on its own: only a refresh the platform
        refuses for good does that."""
        result = self.refresher.refresh(
            claim.account_id, after_auth_error_on=context.token_version, seen_at=seen_at
        )
        if result.outcome == "failed_permanent":
            # The platform's own words first: they say why the token died.
            message = f"{error.message} (refresh: {result.message})"
            return replace(outcomes.held_for_reauth(message), maybe_sent=attempt.after_error(error))
        if result.outcome == "failed_transient":
            if claim.attempts >= max_attempts(ErrorKind.NETWORK):
                # Refused again and again and never renewed: a person must look at it.
                message = f"token refused and not renewed in {claim.attempts} attempts: "
                return replace(
                    outcomes.held_for_reauth(message + result.message),
                    maybe_sent=attempt.after_error(error),
                )
            refused = PublishError(
                ErrorKind.AUTH_EXPIRED, f"token refresh failed for now: {result.message}"
            )
            return replace(
                outcomes.retry_later(refused, claim.attempts, self.db.now(), self._scale),
                maybe_sent=attempt.after_error(error),
            )
        log.info("target %s: token refreshed after %s; retrying once", claim.target_id, error.code)
        attempt.maybe_sent, attempt.fenced = attempt.after_error(error), False
        fresh = self._load(replace(claim, container_id=self._current_container(claim)))
        retry_claim = replace(claim, needs_reconcile=attempt.maybe_sent)
        try:
            return self._publish(retry_claim, fresh, backfill, attempt)
        except PublishError as again:
            if again.kind is not ErrorKind.AUTH_EXPIRED:
                raise
            # Refused with a token that was just refreshed (or that another worker refreshed):
            # likely a token the platform has not propagated yet. Later, not held.
            return replace(
                outcomes.retry_later(again, claim.attempts, self.db.now(), self._scale),
                maybe_sent=attempt.after_error(again),
            )

    def _publish(
        self, claim: Claim, context: JobContext, backfill: bool, attempt: _Attempt
    ) -> Outcome:
        attempt.done = list(context.segment_ids)
        base = replace(context.job, fence=attempt.fence)
        attempt.count = segments.total(base)
        if attempt.done and len(attempt.done) >= attempt.count:
            # Every segment went out; only the final record was lost with its run.
            return outcomes.published(attempt.done[0], reconciled=True)
        attempt.job = segments.segment_job(base, attempt.done)
        if claim.needs_reconcile:
            verdict, container_usable = self._reconcile(attempt.job, claim.container_id, attempt)
            if verdict is not None and verdict.status is outcomes.S.PUBLISHED:
                finished = self._went_out(claim, context, attempt, verdict)
                if finished is not None:
                    return finished
            elif verdict is not None and verdict.status is outcomes.S.HELD:
                return verdict  # for a person to settle: missing it would hide the question
            elif verdict is not None:
                # Still unknown. Unknown and the account inactive or the post stale: hold or
                # miss it, the marker kept, so whoever sends it asks first.
                return self._hold_or_miss(claim, context, backfill, attempt) or verdict
            elif not container_usable:
                attempt.job = replace(attempt.job, container_id=None)
        decided = self._hold_or_miss(claim, context, backfill, attempt)
        if decided is None:
            decided = self._over_budget(claim, context, attempt)
        if decided is not None:
            return decided
        return self._send(claim, context, attempt)

    def _over_budget(self, claim: Claim, context: JobContext, attempt: _Attempt) -> Outcome | None:
        """On a platform that charges per post, with a monthly budget set: hold the target
        rather than overspend (its cost is reserved here when it fits)."""
        budget = self.settings.monthly_budget_usd(self.platform.value)
        price = spec(self.platform).post_cost_usd
        if budget is None or price is None:
            return None
        cost = sum(price(segment) for segment in context.job.content.segments)
        now = self.db.now()
        check = self.db.transaction(
            lambda s: reserve(
                s, target_id=claim.target_id, run_id=self.run_id, account_id=claim.account_id,
                cost_usd=cost, budget_usd=budget, now=now,
            ),
            name="reserve spend",
        )  # fmt: skip
        if check.allowed:
            return None
        return replace(
            outcomes.held_for_budget(
                self.platform, budget, check.spent_usd, cost, now, claim.post_id
            ),
            maybe_sent=attempt.maybe_sent,
        )

    def _send(self, claim: Claim, context: JobContext, attempt: _Attempt) -> Outcome:
        """Prepare and publish the segment under way, and the thread's next ones after it."""
        while True:
            job = attempt.job
            container = job.container_id
            if container is None:
                container = self.client.prepare(job)
                if container is not None:
                    owned = self.db.transaction(
                        lambda s, c=container: save_container(s, claim.target_id, self.run_id, c),
                        name="save container",
                    )
                    if not owned:
                        raise LeaseLost("lease lost before the publishing call; not sending")
            external_id = self.client.publish(job, container)
            finished = self._went_out(claim, context, attempt, outcomes.published(external_id))
            if finished is not None:
                return finished

    def _went_out(
        self, claim: Claim, context: JobContext, attempt: _Attempt, verdict: Outcome
    ) -> Outcome | None:
        """The segment under way is out (`verdict`: published or reconciled). A single post,
        or a thread's last segment: the outcome to record. Otherwise the segment is recorded
        at once and None returned, with the next segment's job under way."""
        count = attempt.count
        if count == 1:
            return verdict
        done, external_id = list(attempt.done), verdict.external_post_id or ""
        if not external_id and len(done) + 1 < count:
            # Out, but the platform has not named it yet, and the next segment must reply to
            # it: ask again later (the marker stays), never send the next one unattached.
            detail = "may have been sent; the platform has not said its id yet"
            return outcomes.undecided(self.db.now(), 1, detail, self._scale)
        owned = self.db.transaction(
            lambda s: record_segment(s, claim.target_id, self.run_id, done, external_id),
            name="record segment",
        )
        if not owned:
            # The segment is out and its marker still set: the next owner asks the platform.
            raise LeaseLost("lease lost as a thread's segment went out; not sending the next")
        attempt.done.append(external_id)
        attempt.maybe_sent, attempt.fenced = False, False
        if len(attempt.done) == count:
            return replace(verdict, external_post_id=attempt.done[0])  # the thread's head
        base = replace(context.job, fence=attempt.fence, container_id=None)
        attempt.job = segments.segment_job(base, attempt.done)
        return None

    def _located(self, outcome: Outcome, attempt: _Attempt) -> Outcome:
        """A thread's error says which segment it stopped at."""
        job = attempt.job
        if job is None or outcome.error_message is None or outcome.status is outcomes.S.PUBLISHED:
            return outcome
        prefix = segments.where(job, attempt.count)
        return replace(outcome, error_message=prefix + outcome.error_message) if prefix else outcome

    def _hold_or_miss(self, claim, context, backfill, attempt: _Attempt) -> Outcome | None:
        if context.account_status != "active":
            return replace(
                outcomes.held_for_account(context.account_status), maybe_sent=attempt.maybe_sent
            )
        if not backfill and claim.due_at < self.db.now() - self.settings.stale_after:
            return replace(
                outcomes.missed(self.settings.stale_after), maybe_sent=attempt.maybe_sent
            )
        return None

    def _reconcile(self, job, container_id, attempt: _Attempt) -> tuple[Outcome | None, bool]:
        """An earlier attempt may have gone out. Returns (outcome, container usable): the
        outcome if it went out or we cannot tell; None if it certainly did not, in which case
        publishing may proceed (with the same container, if still usable)."""
        now = self.db.now()
        try:
            result = self.client.reconcile(job, container_id)
        except PublishError as error:
            detail = f"may have been sent; reconcile failed: {error}"
            return outcomes.undecided(now, 1, detail, self._scale), True
        if result.state is Reconciled.PUBLISHED:
            return outcomes.published(result.external_id, reconciled=True), True
        if result.state is Reconciled.UNKNOWABLE:
            return outcomes.held_for_person(f"may have been sent; {result.detail}"), True
        if result.state is Reconciled.UNKNOWN:
            detail = f"may have been sent; {result.detail or 'the platform cannot tell yet'}"
            return outcomes.undecided(now, 1, detail, self._scale), True
        attempt.maybe_sent = False  # the platform says it is not there: settled
        return None, result.container_usable

    def _after_error(
        self, claim: Claim, context: JobContext | None, error: PublishError, attempt: _Attempt
    ) -> Outcome:
        maybe_sent = attempt.after_error(error)
        if context is not None and error.kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.DUPLICATE):
            # The request may have been applied (or the platform says it was): ask, don't guess.
            time.sleep(0.2)
            job = attempt.job or replace(context.job, fence=attempt.fence)
            container = self._current_container(claim) or job.container_id
            verdict, _usable = self._reconcile(job, container, attempt)
            if verdict is not None and verdict.status is outcomes.S.PUBLISHED:
                finished = self._went_out(claim, context, attempt, verdict)
                if finished is not None:
                    return finished
                try:  # a thread's segment went out after all: on with the next one
                    return self._send(claim, context, attempt)
                except PublishError as again:
                    return self._after_error(claim, context, again, attempt)
            if verdict is not None:
                return verdict  # undecided, with the marker kept
            # Not visible on the platform yet. It may still appear (a feed can lag the write),
            # so the marker stays and the retry asks the platform again before sending.
        outcome = outcomes.after_error(error, claim.attempts, self.db.now(), self._scale)
        outcome = replace(outcome, maybe_sent=maybe_sent if context is not None else None)
        return self._note_stale_postponement(claim, outcome)

    def _note_stale_postponement(self, claim: Claim, outcome: Outcome) -> Outcome:
        """A retry the platform pushes past the stale cutoff will be missed: say so now."""
        at = outcome.next_attempt_at
        cutoff = claim.due_at + self.settings.stale_after
        if outcome.status is not outcomes.S.SCHEDULED or at is None or at <= cutoff:
            return outcome
        message = (
            f"{outcome.error_message} -- postponed until {at:%Y-%m-%d %H:%M} UTC, past the "
            f"stale cutoff ({cutoff:%H:%M} UTC): it will be missed unless re-published with "
            "`socialsched posts retry` or a backfill"
        )
        return replace(outcome, error_message=message)

    def _current_container(self, claim: Claim) -> str | None:
        return self.db.transaction(
            lambda s: s.get(PostTarget, claim.target_id).container_id,
            name="read container",
            read_only=True,
        )

    def _record(self, claim, context, outcome: Outcome, started: datetime) -> TargetResult:
        finished = self.db.now()
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
        if (
            outcome.status is outcomes.S.HELD
            and outcome.error_kind == ErrorKind.AUTH_EXPIRED.value
            and context
            and context.account_status == "active"
        ):
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
            finished_at=finished or self.db.now(),
            error=outcome.error_message,
            recorded=recorded,
        )
