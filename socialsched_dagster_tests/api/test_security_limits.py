"""Request size and time limits: a body larger than the limit is refused (413) whether it
declares its length or streams it in chunks, and a request slower than the time limit (a
client that stops sending half-way included) is answered 503 `timeout`."""

from __future__ import annotations

import json
import socket

import pytest

from .custom_world import served

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
LIMIT = 2048


def _posts(api) -> int:
    return len(api.client("acme", "viewer").get("/api/v1/posts").json()["items"])


def test_a_body_over_the_limit_is_refused_declared_or_streamed(db, cipher, api_settings, post_body):
    with served(db, cipher, api_settings, max_body_bytes=LIMIT) as api:
        editor = api.client("acme", "editor")
        fits = post_body(text="x" * (LIMIT - 300))
        assert len(json.dumps(fits)) < LIMIT
        assert editor.post("/api/v1/posts", json=fits).status_code == 201

        big = json.dumps(post_body(text="x" * LIMIT)).encode()
        declared = editor.post(
            "/api/v1/posts", content=big, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413

        def chunks():  # no Content-Length: Transfer-Encoding: chunked
            for start in range(0, len(big), 512):
                yield big[start : start + 512]

        streamed = editor.post(
            "/api/v1/posts", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.request.headers.get("Transfer-Encoding") == "chunked"
        assert streamed.status_code == 413
        for answer in (declared, streamed):
            error = answer.json()["error"]
            assert error["code"] == "payload_too_large"
            assert f"{LIMIT:,} bytes" in error["message"]
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
        # Refused before anyone is asked who is calling: no key needed to be cut off.
        anonymous = api.anonymous().post("/api/v1/posts", content=big)
        assert anonymous.status_code == 413
        assert _posts(api) == 1


def test_a_request_slower_than_the_limit_is_answered_503(db, cipher, api_settings, post_body):
    with served(db, cipher, api_settings, request_timeout_s=0.5) as api:
        host, port = api.url.removeprefix("http://").split(":")
        body = json.dumps(post_body()).encode()
        head = (
            f"POST /api/v1/posts HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {api.keys[('acme', 'editor')]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(head + body[:10])  # and then nothing: a stalled (or hostile) client
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 503"), answer
        headers, _, payload = rest.partition(b"\r\n\r\n")
        assert b"x-content-type-options: nosniff" in headers.lower()
        error = json.loads(payload)["error"]
        assert error["code"] == "timeout"
        assert "0.5 s" in error["message"]
        assert _posts(api) == 0
