"""Re-publishing missed posts: `socialsched posts backfill` launches a real Dagster backfill
through the webserver's GraphQL API; the daemon runs it as one run."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from dagster import AssetKey, DagsterInstance

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import PostTarget, utcnow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FB = Platform.FACEBOOK


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args, env):
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


# One backend: the path under test is Dagster's backfill machinery, the same on both; the
# claim and record queries it ends in are covered on both backends elsewhere.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_backfill_republishes_missed_posts_once_in_one_run(world):
    # Three posts of an hour that went by while publishing was down: two missed, one already
    # published (it must be left alone).
    ids = world.schedule(FB, 3, due_in_s=3)
    past_due = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    with world.db.session() as s, s.begin():
        for i, target in enumerate(s.query(PostTarget).order_by(PostTarget.id)):
            target.due_at = past_due + timedelta(minutes=10 * i)
            target.status = "published" if i == 0 else "missed"
            target.published_at = target.due_at if i == 0 else None
    env = {**os.environ, **world.env}
    port = free_port()
    ui = f"http://127.0.0.1:{port}"
    web = start([str(BIN / "dagster-webserver"), "-w", str(REPO / "workspace.yaml"),
                 "-h", "127.0.0.1", "-p", str(port)], env)  # fmt: skip
    daemon = start([str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")], env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{ui}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        result = subprocess.run(
            [str(BIN / "socialsched"), "posts", "backfill", "--platform", "facebook",
             "--from", past_due.isoformat(), "--to", (past_due + timedelta(hours=1)).isoformat(),
             "--ui-url", ui, "--wait"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        stop(daemon)
        stop(web)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 window(s)" in result.stdout and "/runs/b/" in result.stdout
    assert world.statuses() == dict.fromkeys(ids, "published")
    assert sorted(int(e["target"]) for e in world.ledger()) == ids[1:]  # not the published one
    with DagsterInstance.get() as instance:
        # Scheduled health checks may run meanwhile; the backfill itself is one run.
        runs = [
            r for r in instance.get_runs()
            if AssetKey("facebook_posts") in (r.asset_selection or ())
        ]  # fmt: skip
    assert len(runs) == 1, runs
    assert runs[0].tags.get("dagster/backfill")
