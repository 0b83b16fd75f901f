"""Real local media servers for the media-fetch tests: each counts every request it gets (method,
path, Host header), serves a video or redirects every path to another origin, on plain HTTP or
on TLS with a certificate of the test's own."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

VIDEO_BYTES = bytes(range(256)) * 2048  # 512 KiB


@dataclass
class MediaServer:
    base: str  # http://host:port
    seen: Counter  # (method, path, Host header) -> requests

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    @property
    def requests(self) -> int:
        return sum(self.seen.values())


def _handler(seen: Counter, redirect_to: str | None):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bool) -> None:
            seen[(self.command, self.path, self.headers.get("Host"))] += 1
            if redirect_to is not None:
                self.send_response(302)
                self.send_header("Location", f"{redirect_to}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(VIDEO_BYTES)))
            self.end_headers()
            if body:
                self.wfile.write(VIDEO_BYTES)

        def do_GET(self):
            self._answer(body=True)

        def do_HEAD(self):
            self._answer(body=False)

        def log_message(self, *args):
            return None

    return Handler


@pytest.fixture
def serve() -> Iterator:
    """`serve(host, redirect_to=None, tls=None)` starts a server; all stop after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(
        host: str, redirect_to: str | None = None, tls: ssl.SSLContext | None = None
    ) -> MediaServer:
        seen: Counter = Counter()
        server = ThreadingHTTPServer((host, 0), _handler(seen, redirect_to))
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        scheme = "https" if tls is not None else "http"
        return MediaServer(f"{scheme}://{host}:{server.server_address[1]}", seen)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
