"""Turning a termination request into a clean stop of a publishing run.

Dagster's Terminate interrupts the run's main thread (DagsterExecutionInterruptedError); a plain
SIGTERM from a supervisor would otherwise kill the process mid-call. Both end up setting `stop`,
and WindowRun's cleanup records calls in flight and releases unstarted claims.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def stop_on_signals(stop: threading.Event, log) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be installed from the main thread
        return

    def _handler(signum, _frame):
        log.warning(
            f"received {signal.Signals(signum).name}: finishing calls in flight, then stopping"
        )
        stop.set()

    previous = signal.signal(signal.SIGTERM, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
