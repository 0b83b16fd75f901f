"""A publishing run's progress in its event log while it runs, not only a table at the end.

WindowRun reports each target's result from the worker thread that handled it. Dagster's log
handler is safe to call from any thread (its capture flag is thread-local: dagster PR #18493,
the fix of issue #7442, as in 1.13's `DagsterLogHandler`), but each line is an insert into the
event log storage under the handler's lock; a worker waiting on it is not sending the next post.
So workers only queue their result; one reporter thread writes, every `interval_s`: a line per
target that failed, was missed or held (the platform's message, at ERROR/WARNING level so the
run's log filter finds it), and one line for everything else. A burst of 10,000 posts is then a
few hundred lines, not 10,000.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from ...publishing.worker import TargetResult

SHOWN_IDS = 20  # per progress line; the final table has them all
NOTABLE = {"failed": logging.ERROR, "missed": logging.ERROR, "held": logging.WARNING}


class RunProgress:
    def __init__(self, log: logging.Logger, interval_s: float = 2.0):
        self.log, self.interval_s = log, interval_s
        self._lock = threading.Lock()
        self._pending: list[TargetResult] = []
        self._totals: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="run-progress")

    def __call__(self, result: TargetResult) -> None:
        """From any worker thread: queue, never write."""
        with self._lock:
            self._pending.append(result)

    def __enter__(self) -> RunProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.flush()  # the last results, from the step's own thread

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:  # progress lines must never stop a run
                logging.getLogger(__name__).exception("could not write run progress")

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._totals.update(_label(r) for r in batch)
            totals = dict(self._totals)
        if not batch:
            return
        for r in batch:
            level = NOTABLE.get(r.status)
            if level is not None:
                self.log.log(
                    level,
                    f"target {r.target_id} (@{r.account}, due {r.due_at:%H:%M:%S} UTC) "
                    f"{r.status} after {r.attempts} attempt(s): {r.error or 'no message'}",
                )
        self.log.info(_progress_line(batch, totals))


def _label(r: TargetResult) -> str:
    if r.status == "published":
        return "published"
    if r.status in NOTABLE:
        return r.status
    return "to retry" if r.status == "scheduled" else r.attempt_outcome


def _progress_line(batch: list[TargetResult], totals: dict[str, int]) -> str:
    groups: dict[str, list[TargetResult]] = {}
    for r in batch:
        groups.setdefault(_label(r), []).append(r)
    parts = []
    for label, results in sorted(groups.items()):
        ids = ", ".join(str(r.target_id) for r in results[:SHOWN_IDS])
        more = f" +{len(results) - SHOWN_IDS}" if len(results) > SHOWN_IDS else ""
        extra = ""
        if label == "published":
            late = max(r.lateness_s for r in results)
            extra = f", at most {late:.1f} s late"
        elif label == "to retry":
            extra = f": {_first_line(results[0].error)}"
        parts.append(f"{len(results)} {label} (target {ids}{more}{extra})")
    so_far = ", ".join(f"{n} {label}" for label, n in sorted(totals.items()))
    return f"progress: {'; '.join(parts)}. So far: {so_far}."


def _first_line(text: str | None) -> str:
    line = (text or "no message").splitlines()[0] if text else "no message"
    return line if len(line) <= 160 else line[:159] + "…"
