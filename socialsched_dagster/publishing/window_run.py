"""A publishing run over one platform's time window.

The run claims targets shortly before they are due, waits, and sends each at its due time from a
small pool of worker threads; it keeps polling the window for targets that come due (or whose
back-off ends) and exits when nothing is due soon. On a stop request (the UI's Terminate,
SIGTERM) it sends nothing new: calls in flight finish and are recorded, and targets it claimed but
had not started are released at once for the next run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta

from ..domain.platforms import Platform
from ..platforms.base import PlatformClient
from ..platforms.http import redact
from ..security.token_cipher import TokenCipher
from ..store import run_heartbeats as heartbeats
from ..store.database import Database
from ..store.due import next_ready_in_window
from ..store.models import utcnow
from ..store.publishing import Claim, Window, claim, record_crash, release, renew_leases
from ..tokens.refresher import TokenRefresher
from .settings import PublishSettings
from .summary import RunSummary
from .worker import TargetPublisher, TargetResult

log = logging.getLogger(__name__)
CRASH_RETRY_S = 60.0  # before the next try of a target that hit an unexpected exception


def _call_budget_s(client: PlatformClient) -> float:
    """The longest one HTTP call of this client can take, from its timeouts."""
    config = getattr(client, "config", None)
    if config is None:
        return 60.0
    return (
        config.pool_timeout_s + config.connect_timeout_s
        + config.write_timeout_s + config.read_timeout_s
    )  # fmt: skip


@dataclass
class _Board:
    """Which claims this run holds, and which of them have started their platform call."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    held: dict[int, Claim] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)

    def add(self, claims: list[Claim]) -> None:
        with self.lock:
            self.held.update({c.target_id: c for c in claims})

    def start(self, target_id: int) -> None:
        with self.lock:
            self.started.add(target_id)

    def done(self, target_id: int) -> None:
        with self.lock:
            self.held.pop(target_id, None)
            self.started.discard(target_id)

    def ids(self) -> list[int]:
        with self.lock:
            return list(self.held)

    def unstarted(self) -> list[int]:
        with self.lock:
            return [t for t in self.held if t not in self.started]


class WindowRun:
    def __init__(
        self,
        db: Database,
        cipher: TokenCipher,
        client: PlatformClient,
        window: Window,
        run_id: str,
        settings: PublishSettings = PublishSettings(),
        *,
        backfill: bool = False,
        stop: threading.Event | None = None,
        refresher: TokenRefresher | None = None,
        on_result: Callable[[TargetResult], None] | None = None,
    ):
        self.db, self.window, self.run_id, self.settings = db, window, run_id, settings
        # Called from a worker thread with each target's result, as it happens (the asset logs
        # it to the run's event log, so a long run shows progress, not only a final table).
        self.on_result = on_result
        self.backfill = backfill
        self.stop = stop or threading.Event()
        self.platform = Platform(window.platform)
        self.publisher = TargetPublisher(
            db, cipher, client, self.platform, run_id, settings, refresher,
            call_budget_s=_call_budget_s(client),
            stopping_sends=lambda: self._renewal_failing.is_set(),
        )  # fmt: skip
        self.board = _Board()
        self.summary = RunSummary()
        # Set while lease renewals fail: the run then starts no new platform call (the fence
        # would refuse most of them anyway, once the leases run out).
        self._renewal_failing = threading.Event()

    def run(self) -> RunSummary:
        self._beat()  # the window is covered from now on, for as long as this run renews it
        pool = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="publish")
        renewer = threading.Thread(target=self._renew_leases, daemon=True, name="lease-renewal")
        renewer.start()
        futures: set[Future] = set()
        try:
            while not self.stop.is_set():
                futures = {f for f in futures if not f.done()}
                room = 2 * self.settings.workers - len(futures)
                claims = self._claim(room) if room > 0 else []
                for c in claims:
                    futures.add(pool.submit(self._work, c))
                if not claims and not futures and self._idle():
                    break
                if room - len(claims) <= 0:
                    # Every slot is taken: come back the moment a worker frees one. Sleeping
                    # the poll interval here left the workers idle most of a burst.
                    wait(futures, timeout=self.settings.poll_s, return_when=FIRST_COMPLETED)
                else:
                    self.stop.wait(self.settings.poll_s if not claims else 0.05)
        finally:
            # Stop (or an exception, including Dagster's interrupt): send nothing new, let calls
            # in flight finish and record, hand back what never started.
            self.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            self._release(self.board.unstarted())
            renewer.join(timeout=5)
            self._finish()
        return self.summary

    def _claim(self, limit: int) -> list[Claim]:
        if self._renewal_failing.is_set():
            return []  # cannot keep leases: take nothing new
        now = self.db.now()
        claims = self.db.transaction(
            lambda s: claim(
                s, self.window, run_id=self.run_id, now=now,
                claim_ahead=self.settings.claim_ahead, lease=self.settings.lease,
                stale_before=now - self.settings.stale_after, limit=limit, backfill=self.backfill,
            ),
            name="claim",
        )  # fmt: skip
        self.board.add(claims)
        return claims

    def _work(self, c: Claim) -> TargetResult | None:
        wait = (c.ready_at - self.db.now()).total_seconds()
        if wait > 0 and self.stop.wait(wait):
            return None  # stopping: released by run()
        if self.stop.is_set():
            return None
        self.board.start(c.target_id)
        try:
            result = self.publisher.process(c, backfill=self.backfill)
        except Exception as exc:
            log.exception("target %s: unexpected failure", c.target_id)
            result = self._crashed(c, exc)
            if result is None:
                return None
        finally:
            self.board.done(c.target_id)
        self.summary.add(result)
        if self.on_result is not None:
            try:
                self.on_result(result)
            except Exception:  # progress reporting must never cost a post
                log.exception("progress callback failed for target %s", c.target_id)
        return result

    def _crashed(self, c: Claim, exc: Exception) -> TargetResult | None:
        """A bug or bad data: counted on the target, retried a bounded number of times, then
        failed with the exception's message; never a run that dies and is started again on the
        same target every lease period. If even that cannot be written (the database is gone),
        the target stays claimed: its lease runs out and the next run reconciles it."""
        message = redact(f"{type(exc).__name__}: {exc}")[:500]
        now = self.db_now_or_host()
        retry_at = now + timedelta(seconds=CRASH_RETRY_S * self.settings.retry_scale)
        try:
            verdict = self.db.transaction(
                lambda s: record_crash(
                    s, c, self.run_id, message=message, now=now, retry_at=retry_at,
                    max_crashes=self.settings.max_crashes,
                ),
                name="record crash",
            )  # fmt: skip
        except Exception:
            log.exception("target %s: could not record the failure", c.target_id)
            verdict = None
        if verdict is None or not verdict.recorded:
            self.summary.add_crash(c.target_id)
            return None
        result = TargetResult(
            target_id=c.target_id, account="?", due_at=c.due_at, status=verdict.status.value,
            attempt_outcome="crashed", attempts=c.attempts, finished_at=now,
            error=message, recorded=True,
        )  # fmt: skip
        self.summary.add(result)
        return result

    def db_now_or_host(self):
        try:
            return self.db.now()
        except Exception:
            return utcnow()

    def _idle(self) -> bool:
        now = self.db.now()
        # A backfill sends stale targets too: their retries count as work left.
        stale_before = self.window.start if self.backfill else now - self.settings.stale_after
        nxt = self.db.transaction(
            lambda s: next_ready_in_window(
                s, self.window.platform, self.window.start, self.window.end, stale_before
            ),
            name="next due",
        )  # fmt: skip
        return nxt is None or (nxt - now).total_seconds() > self.settings.idle_exit_s

    def _release(self, target_ids: list[int]) -> None:
        if not target_ids:
            return
        released = self.db.transaction(
            lambda s: release(s, self.run_id, target_ids, self.db_now_or_host()), name="release"
        )
        self.summary.released += released
        log.info("released %d claimed target(s) that had not started", released)

    def _beat(self) -> None:
        now = self.db.now()
        self.db.transaction(
            lambda s: heartbeats.beat(
                s, self.run_id, self.window.platform, self.window.start, now,
                now + self.settings.lease,
            ),
            name="run heartbeat",
        )  # fmt: skip

    def _finish(self) -> None:
        try:
            self.db.transaction(
                lambda s: heartbeats.finish(s, self.run_id, self.db.now()), name="run finished"
            )
        except Exception:  # the heartbeat runs out on its own within one lease
            log.exception("could not mark the run finished")

    def _renew_leases(self) -> None:
        interval = self.settings.lease_s / 3
        while not self.stop.wait(interval):
            try:
                self._beat()
            except Exception:
                log.exception("run heartbeat failed")
            ids = self.board.ids()
            if ids:
                try:
                    until = self.db.now() + self.settings.lease
                    self.db.transaction(
                        lambda s, ids=ids, until=until: renew_leases(s, self.run_id, ids, until),
                        name="renew leases",
                    )
                except Exception:
                    # The leases have slack, but this run can no longer promise to hold them:
                    # it starts no new call until a renewal succeeds again.
                    log.exception("lease renewal failed; no new platform calls until it works")
                    self._renewal_failing.set()
                else:
                    self._renewal_failing.clear()
        # Final renewal skipped: in-flight calls are recorded by their workers.
