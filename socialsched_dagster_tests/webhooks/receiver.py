"""A webhook receiver on 127.0.0.1: a real HTTP server in a thread of the test that records
every request (headers and raw body) and answers what the test scripts (500 twice, then 200)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._answers: list[tuple[int, bytes, dict]] = []
        self.delay_s = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status, answer, headers = (
                        receiver._answers.pop(0) if receiver._answers else (200, b"ok", {})
                    )
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/socialsched"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self, status: int, times: int = 1, body: bytes = b"", **headers: str) -> None:
        """The next `times` requests get `status` (then 200 again)."""
        with self._lock:
            self._answers.extend([(status, body, headers)] * times)

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.requests if r.json.get("type") == kind]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
