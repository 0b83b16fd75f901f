"""`socialsched metrics serve` as an operator runs it: configured by the environment, scraped
over HTTP, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from socialsched_dagster.sandbox.process import free_port
from socialsched_dagster.store import migrate
from socialsched_dagster.store.database import Database

from .conftest import parse, value

SERVE = "from socialsched_dagster.cli.metrics_cmd import metrics_group; metrics_group()"


def test_serve_exports_from_the_environment_and_stops_on_sigterm(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db = Database(url)
    migrate.upgrade(db.engine)
    db.dispose()
    port = free_port()
    env = {**os.environ, "SOCIALSCHED_DATABASE_URL": url, "REDIS_URL": redis_url}
    env["SOCIALSCHED_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, text = time.monotonic() + 20, None
        while text is None:
            assert proc.poll() is None, proc.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    text = r.read().decode()
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the exporter did not come up"
                time.sleep(0.1)
        samples = parse(text)
        assert value(samples, "socialsched_db_up") == 1
        assert value(samples, "socialsched_redis_up") == 1
        assert value(samples, "socialsched_targets", status="scheduled", platform="youtube") == 0
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/metrics" in out
