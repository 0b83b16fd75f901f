"""The real daemon (sensor -> queue -> run worker, run monitoring) in two drills:

- the daemon, its code server and its runs are SIGKILLed together mid-run, as when their node
  dies: after a restart, publishing resumes within a lease, each post goes out once, and run
  monitoring marks the dead run failed (its STARTED state never blocks the window);
- the alert webhook hangs for 40 s on every call: the due-posts sensor keeps its cadence and a
  post due meanwhile goes out on time (sensors evaluate in threads).
"""

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.scheduler.instigation import InstigatorType
from dagster._core.test_utils import create_run_for_test

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import utcnow

from .conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FB = Platform.FACEBOOK
LEASE_S = 6.0  # SOCIALSCHED_PUBLISH_LEASE_S in the pipeline fixtures


def _instance_file(world, **run_monitoring) -> None:
    """The project's dagster.yaml, with test-sized run monitoring knobs."""
    path = Path(world.env["DAGSTER_HOME"]) / "dagster.yaml"
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    config.setdefault("run_monitoring", {}).update(run_monitoring)
    path.write_text(yaml.safe_dump(config))


def _start_daemon(env) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group: the code server and runs included
    )  # fmt: skip


def _kill(daemon: subprocess.Popen) -> str:
    """SIGKILL to the daemon's whole process group: nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(daemon.pid, signal.SIGKILL)
    out, _ = daemon.communicate(timeout=30)
    return out or ""


def _publishing_runs(instance, *statuses):
    return instance.get_runs(RunsFilter(job_name="publish_facebook", statuses=list(statuses)))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_publishing_resumes_after_the_daemon_and_its_runs_die_together(world):
    _instance_file(world, poll_interval_seconds=3, free_slots_after_run_end_seconds=3)
    env = {**os.environ, **world.env, "SOCIALSCHED_PUBLISH_SENSOR_LEAD_S": "12"}
    world.sandbox.control.set_faults(latency_ms=3000)  # calls in flight when the node dies
    first = world.schedule(FB, 4, due_in_s=25)
    daemon = _start_daemon(env)
    output = ""
    try:
        # Sent at the due time, each held 3 s by the sandbox: kill during those calls.
        in_flight = wait_for(
            lambda: "publishing" in world.statuses().values() and utcnow() > world.last_due,
            timeout=90,
        )
        assert in_flight, _kill(daemon)[-4000:]
        time.sleep(1.0)
        output += _kill(daemon)
        with DagsterInstance.get() as instance:
            dead = _publishing_runs(instance, DagsterRunStatus.STARTED)
        assert dead, "the killed run should still read STARTED in Dagster"
        assert "publishing" in world.statuses().values()  # left claimed by the dead run
        world.sandbox.control.clear_faults()
        later = world.schedule(FB, 3, due_in_s=30)  # due after the daemon is back

        daemon = _start_daemon(env)
        back = time.monotonic()
        everything = set(first) | set(later)

        def published() -> bool:
            statuses = world.statuses()
            return all(statuses[t] == "published" for t in everything)

        resumed = wait_for(published, timeout=90, interval=0.5)
        took = time.monotonic() - back
        with DagsterInstance.get() as instance:
            # Run monitoring fails the dead run through the launcher's heartbeat check.
            failed = wait_for(
                lambda: all(
                    instance.get_run_by_id(r.run_id).status == DagsterRunStatus.FAILURE
                    for r in dead
                ),
                timeout=45,
                interval=1,
            )
    finally:
        output += _kill(daemon)
    assert resumed, (world.statuses(), output[-6000:])
    world.assert_exactly_once()
    # Back within a lease: the dead run's heartbeat runs out, the sensor takes the window.
    # (The rest is the daemon's own start-up, a tick and a run process start.)
    assert took < LEASE_S + 45, took
    by_id = {t.id: t for t in world.targets()}
    lateness = [(by_id[t].published_at - by_id[t].due_at).total_seconds() for t in later]
    assert max(lateness) < 5, lateness  # the posts due after the restart went out on time
    assert failed, "run monitoring did not mark the dead run failed"
    print(f"\nresumed {took:.1f} s after the restart; later posts late by {max(lateness):.2f} s")


class _SlowReceiver:
    """An alert webhook that answers each call after 40 s, with a 500 (so the alert is kept
    and sent again on every tick of check_alerts_sensor)."""

    def __init__(self, delay_s: float = 40.0):
        self.calls = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                owner.calls += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay_s)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a pending sleep never holds up the test's end
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _sensor_tick_times(instance, name: str) -> list[float]:
    [state] = [
        s
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        if s.instigator_name == name
    ]
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
    return sorted(t.timestamp for t in ticks)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_hanging_alert_webhook_does_not_delay_publishing(world):
    receiver = _SlowReceiver()
    env = {
        **os.environ,
        **world.env,
        "SOCIALSCHED_PUBLISH_SENSOR_LEAD_S": "20",
        "SOCIALSCHED_ALERT_WEBHOOK_URL": receiver.url,
        "SOCIALSCHED_ALERT_WEBHOOK_SECRET": "whsec-test",
        "SOCIALSCHED_ALERT_WEBHOOK_ATTEMPTS": "1",
        "SOCIALSCHED_ALERT_WEBHOOK_TIMEOUT_S": "45",
    }
    with DagsterInstance.get() as instance:
        # Something to alert about: a token-refresh run failed a minute ago.
        failed = create_run_for_test(
            instance, job_name="refresh_tokens", status=DagsterRunStatus.STARTED
        )
        instance.report_run_failed(failed, "token endpoint unreachable")
    ids = world.schedule(FB, 1, due_in_s=50)
    daemon = _start_daemon(env)
    try:
        published = wait_for(lambda: world.statuses()[ids[0]] == "published", timeout=120)
    finally:
        output = _kill(daemon)
        receiver.close()
    assert published, output[-6000:]
    assert receiver.calls >= 1  # the alert sensor was stuck in the webhook meanwhile
    [target] = world.targets()
    lateness = (target.published_at - target.due_at).total_seconds()
    assert 0 <= lateness < 5, lateness
    with DagsterInstance.get() as instance:
        due_ticks = _sensor_tick_times(instance, "due_posts_sensor")
        alert_ticks = _sensor_tick_times(instance, "check_alerts_sensor")
    # The due-posts sensor kept its 10 s cadence through the alert sensor's 40 s ticks.
    during = [t for t in due_ticks if alert_ticks[0] <= t <= target.published_at.timestamp()]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert len(during) >= 3 and max(gaps) < 25, (gaps, alert_ticks)
    world.assert_exactly_once()
    print(f"\ndue-posts tick gaps {[round(g, 1) for g in gaps]} s; post late by {lateness:.2f} s")
