"""A real local webhook receiver (records every request, can be told to fail the next N), and
real Dagster instances: the project's SQLite layout, and PostgreSQL when reachable."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterInstance

from socialsched_dagster.alerts.webhook import WebhookConfig
from socialsched_dagster_tests.conftest import _unavailable, create_pg_database, drop_pg_database

SECRET = "whsec-test-0123456789"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def header(self) -> str:
        return self.json["blocks"][0]["text"]["text"]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses for the next requests, then 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, *statuses: int) -> None:
        with self.lock:
            self.answers.extend(statuses)

    def delivered(self) -> list[Received]:
        """Requests that were answered 2xx (each alert once, whatever the retries)."""
        with self.lock:
            return [r for r in self.requests if r.headers.get("x-answered") == "200"]

    def config(self, **overrides) -> WebhookConfig:
        values = dict(
            url=self.url,
            secret=SECRET,
            timeout_s=2.0,
            attempts=4,
            ui_base_url="http://dagster.test:3000",
            backoff_s=0.01,
            backoff_max_s=0.05,
        )
        return WebhookConfig(**{**values, **overrides})  # fmt: skip


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rec: Receiver = state["receiver"]
            with rec.lock:
                status = rec.answers.pop(0) if rec.answers else 200
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["x-answered"] = str(status)
                rec.requests.append(Received(self.path, headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep pytest output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(f"http://127.0.0.1:{server.server_port}/hooks/alerts")
    # A short poll interval: shutdown() waits up to one interval per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


def _dagster_yaml(home: Path, storage: str, pg_url: str | None) -> None:
    if storage == "sqlite":  # the project's own instance file: one SQLite event DB per run
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        return
    url = pg_url.replace("postgresql+psycopg2://", "postgresql://")
    (home / "dagster.yaml").write_text(f"storage:\n  postgres:\n    postgres_url: {url}\n")


@pytest.fixture
def dagster_home(tmp_path) -> Iterator[Path]:
    # On tmpfs when there is one: SQLite commits per event, and on a busy disk writing a few
    # hundred events would take longer than everything else in this folder.
    shm = Path("/dev/shm")
    home = Path(tempfile.mkdtemp(prefix="alerts-dagster-", dir=shm)) if shm.is_dir() else tmp_path
    yield home
    if home != tmp_path:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def instance(request, dagster_home, monkeypatch, pg_available):
    pg_url = None
    if request.param == "postgresql":
        if pg_available is not True:
            _unavailable("PostgreSQL", pg_available)
        pg_url = create_pg_database()
    home = dagster_home
    _dagster_yaml(home, request.param, pg_url)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as inst:
        yield inst
    if pg_url:
        drop_pg_database(pg_url)


@pytest.fixture
def sqlite_instance(dagster_home, monkeypatch):
    home = dagster_home
    _dagster_yaml(home, "sqlite", None)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as inst:
        yield inst


@pytest.fixture
def webhook(receiver, monkeypatch):
    monkeypatch.setenv("SOCIALSCHED_ALERT_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("SOCIALSCHED_ALERT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("SOCIALSCHED_UI_BASE_URL", "http://dagster.test:3000")
    return receiver
