"""The product as a user runs it: posts scheduled through the CLI go out through the real
Dagster daemon (sensor -> queued run -> run worker) at their due time, once each."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from dagster import DagsterInstance

from socialsched_dagster.store.models import PublishAttempt, utcnow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_cli_scheduled_posts_go_out_through_the_daemon_on_time(world):
    # The daemon comes up first, as it would be in production, so its start-up (seconds on a
    # loaded machine) is not taken out of the sensor's lead; a 35 s lead (45 s by default)
    # leaves the run process room to start before the posts fall due.
    env = {**os.environ, **world.env, "SOCIALSCHED_PUBLISH_SENSOR_LEAD_S": "35",
           "SOCIALSCHED_PUBLISH_IDLE_EXIT_S": "10"}  # fmt: skip
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        due = (utcnow() + timedelta(seconds=45)).replace(microsecond=0)
        accounts = ["instagram:test_instagram", "facebook:test_facebook", "youtube:test_youtube"]
        for n in range(2):
            at = (due + timedelta(seconds=5 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            args = [str(BIN / "socialsched"), "posts", "schedule", "--at", at,
                    "--text", f"daemon post {n} #e2e", "--media", f"https://cdn.example.com/{n}.mp4",
                    "--title", f"daemon video {n}"]  # fmt: skip
            for account in accounts:
                args += ["--account", account]
            subprocess.run(args, env=env, check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            if set(world.statuses().values()) == {"published"}:
                break
            time.sleep(1)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            out, _ = daemon.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            out, _ = daemon.communicate()
    targets = world.targets()
    assert [t.status for t in targets] == ["published"] * 6, out[-4000:]
    world.assert_exactly_once()
    # On time: the run sends each post within seconds of its due time (the attempt's start);
    # it is public once the platform has it, which for these videos includes their upload and
    # the platform's processing (seconds more on a loaded machine).
    with world.db.session() as s:
        sent = {
            a.target_id: a.started_at
            for a in s.query(PublishAttempt).order_by(PublishAttempt.id.desc())
        }
    sending = [(sent[t.id] - t.due_at).total_seconds() for t in targets]
    lateness = [(t.published_at - t.due_at).total_seconds() for t in targets]
    assert max(sending) < 5, sending
    assert max(lateness) < 15, lateness
    with DagsterInstance.get() as instance:
        # Other schedules (health checks, token refresh) may fire meanwhile; the publishing
        # runs are the daemon's own: the sensor's, or the safety schedule's when its tick
        # (every 5 minutes) happens to come first. Nothing else starts them.
        runs = [r for r in instance.get_runs() if r.job_name.startswith("publish_")]
    triggers = {r.tags.get("socialsched/trigger") for r in runs}
    assert runs and triggers <= {"sensor", "schedule"}, triggers
    print(
        f"\nsent at most {max(sending):.2f} s late, public at most {max(lateness):.2f} s late, "
        f"over {len(targets)} targets, {len(runs)} runs"
    )
