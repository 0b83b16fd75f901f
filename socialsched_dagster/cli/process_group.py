"""Stopping everything a Dagster process started: its code servers outlive it while a run is in
progress, and a publishing run stays up while posts keep coming."""

from __future__ import annotations

import contextlib
import os
import signal
import time


def stop_process_group(pgid: int, grace_s: float = 20.0) -> None:
    """SIGTERM the group, which a publishing run answers by finishing its calls in flight and
    releasing its unstarted claims; SIGKILL what is left after `grace_s`."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
