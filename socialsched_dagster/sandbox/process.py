"""`SandboxProcess`: the sandbox as a real subprocess, for tests, the demo and the benchmark.

A subprocess (not a thread) so that the clients under test meet a real server on a real socket,
and so that an outage drill can SIGKILL it and `restart()` it on the same port and state file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from .control import SandboxControl
from .settings import SandboxSettings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class SandboxProcess:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        settings: SandboxSettings | dict[str, Any] | None = None,
        state_file: str | Path | None = None,
        latency_ms: float | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        if isinstance(settings, SandboxSettings):
            settings = settings.to_dict()
        self.settings: dict[str, Any] = dict(settings or {})
        SandboxSettings.from_dict(self.settings)  # fail here, not in the child
        self.host = host
        self.port = port or free_port(host)
        self.state_file = str(state_file) if state_file else None
        self.latency_ms = latency_ms
        self.startup_timeout = startup_timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="sandbox-")
        self.log_path = Path(self._tmp.name) / "sandbox.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: SandboxControl | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def control(self) -> SandboxControl:
        if self._control is None:
            self._control = SandboxControl(self.base_url)
        return self._control

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _command(self) -> list[str]:
        config = Path(self._tmp.name) / "settings.json"
        config.write_text(json.dumps(self.settings))
        cmd = [sys.executable, "-m", "socialsched_dagster.sandbox", "--host", self.host]
        cmd += ["--port", str(self.port), "--config", str(config), "--exit-with-parent"]
        if self.state_file:
            cmd += ["--state", self.state_file]
        if self.latency_ms is not None:
            cmd += ["--latency-ms", str(self.latency_ms)]
        return cmd

    def start(self) -> SandboxProcess:
        if self.running():
            return self
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/_sandbox/health"
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"sandbox exited during start-up:\n{self.log_tail()}")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"sandbox not ready after {self.startup_timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop (SIGTERM), escalating to SIGKILL after `timeout`."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def kill(self) -> None:
        """SIGKILL: the crash drill. State survives only through the state file."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        self._proc = None

    def restart(self, *, hard: bool = False) -> SandboxProcess:
        """Stop (or kill, if `hard`) and start again on the same port with the same state file."""
        if hard:
            self.kill()
        else:
            self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        if self._control is not None:
            self._control.close()
            self._control = None
        self._tmp.cleanup()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
