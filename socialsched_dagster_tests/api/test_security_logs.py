"""No secret in a log line or an error body: a key made with `keys create --signing`, used
plain, signed, signed wrongly, guessed at and pasted into the wrong field, with the server
logging everything it can (DEBUG, uvicorn's access log on)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from socialsched_dagster.api.signing import sign

from .server import ApiServer

SCRIPT = Path(sys.executable).parent / "socialsched"


class _VerboseServer(ApiServer):
    def __init__(self, app):
        super().__init__(app)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="debug", access_log=True
        )
        self._server = uvicorn.Server(config)
        import threading

        self._thread = threading.Thread(target=self._server.run, daemon=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_key_or_signing_secret_reaches_a_log_line_or_an_error_body(
    db, cipher, api_settings, db_url, token_key, tmp_path, caplog, post_body
):
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.store.redis_connection import connect

    from .conftest import seed

    seed(db, cipher)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIALSCHED_", "DAGSTER_"))}
    env.update(
        SOCIALSCHED_HOME=str(tmp_path / "cli"),
        SOCIALSCHED_DATABASE_URL=db_url,
        SOCIALSCHED_TOKEN_KEY=token_key,
    )
    made = subprocess.run(
        [str(SCRIPT), "keys", "create", "--workspace", "acme", "--role", "editor", "--signing"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key, signing_secret = made.stdout.split()
    key_secret = key.rsplit("_", 1)[1]
    guessed = key[: -len(key_secret)] + "A" * len(key_secret)
    secrets = {"key": key, "key secret": key_secret, "signing": signing_secret, "guess": guessed}

    caplog.set_level(logging.DEBUG)
    redis = connect(api_settings.redis_url)
    app = create_app(api_settings, db=db, redis=redis)
    answers = []
    try:
        with _VerboseServer(app) as server:
            # After start: uvicorn configures its loggers (and their handlers) as it starts.
            for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
                logging.getLogger(name).addHandler(caplog.handler)
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as c:

                def signed(method, url, secret=signing_secret, **kw):
                    request = c.build_request(method, url, **kw)
                    at = f"{time.time():.3f}"
                    request.headers["X-Socialsched-Timestamp"] = at
                    request.headers["X-Socialsched-Signature"] = sign(
                        secret, method, request.url.raw_path.decode(), at, request.content
                    )
                    return c.send(request)

                answers += [
                    c.get("/api/v1/posts"),  # unsigned: refused
                    signed("GET", "/api/v1/posts?limit=3"),
                    signed("POST", "/api/v1/posts", json=post_body()),
                    signed("GET", "/api/v1/posts", secret=signing_secret[:-1]),
                    signed("POST", "/api/v1/posts", json={**post_body(), key: 1}),
                    signed("POST", "/api/v1/posts", json=post_body(timezone=key)),
                    signed("POST", "/api/v1/posts", json=post_body(accounts=[signing_secret])),
                    signed("POST", "/api/v1/posts", json=post_body(scheduled_at=key)),
                    c.get("/api/v1/posts", headers={"Authorization": f"Bearer {guessed}"}),
                    c.get("/api/v1/posts", headers={"Authorization": f"Basic {key}"}),
                ]
    finally:
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).removeHandler(caplog.handler)
        redis.close()

    statuses = [a.status_code for a in answers]
    assert statuses == [401, 200, 201, 401, 422, 422, 422, 422, 401, 401], statuses
    logged = (
        "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
        + made.stderr
    )
    assert "GET /api/v1/posts" in logged  # the access log was on
    for name, secret in secrets.items():
        assert secret not in logged, f"the {name} is in the logs"
        for answer in answers:
            if answer.status_code >= 400:
                assert secret not in answer.text, f"the {name} is in {answer.text}"
