"""Keys with a signing secret: every request carries an HMAC of method, target, timestamp and
body; a wrong, stale or replayed signature is refused (401 bad_signature), and without Redis
to refuse replays a signed request is refused too (503), never let through unchecked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from socialsched_dagster.api.signing import enable_signing, sign

from .custom_world import served
from .server import free_port

SCRIPT = Path(sys.executable).parent / "socialsched"


def _signing_key(db, cipher, workspace_id: int, role: str = "editor") -> tuple[str, str]:
    from socialsched_dagster.store.models import Workspace
    from socialsched_dagster.teams.api_keys import create_key
    from socialsched_dagster.teams.roles import Role

    def work(s):
        key = create_key(s, s.get(Workspace, workspace_id), role=Role(role), name="signed cms")
        return key.plaintext, enable_signing(s, cipher, key.id)

    return db.transaction(work)


def _send(client: httpx.Client, secret: str | None, method: str, url: str, *, at=None, **kw):
    request = client.build_request(method, url, **kw)
    if secret is not None:
        timestamp = at if isinstance(at, str) else f"{at if at is not None else time.time():.0f}"
        target = request.url.raw_path.decode()
        request.headers["X-Socialsched-Timestamp"] = timestamp
        request.headers["X-Socialsched-Signature"] = sign(
            secret, method, target, timestamp, request.content
        )
    return client.send(request)


def _posts(api) -> int:
    return len(api.client("acme", "viewer").get("/api/v1/posts").json()["items"])


def test_a_signing_key_is_served_only_for_requests_it_signed(api, cipher, post_body):
    key, secret = _signing_key(api.db, cipher, api.workspace_ids["acme"])
    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"})
    api.clients.append(client)

    unsigned = client.get("/api/v1/posts")
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "bad_signature"
    assert "X-Socialsched-Signature" in unsigned.json()["error"]["message"]

    listed = _send(client, secret, "GET", "/api/v1/posts?limit=5&status=scheduled")
    assert listed.status_code == 200, listed.text
    created = _send(client, secret, "POST", "/api/v1/posts", json=post_body())
    assert created.status_code == 201, created.text

    # A signature is for one request: another body, path or method does not match it.
    request = client.build_request("POST", "/api/v1/posts", json=post_body(text="tampered"))
    timestamp = f"{time.time():.0f}"
    request.headers["X-Socialsched-Timestamp"] = timestamp
    request.headers["X-Socialsched-Signature"] = sign(
        secret, "POST", "/api/v1/posts", timestamp, json.dumps(post_body()).encode()
    )
    tampered = client.send(request)
    assert tampered.status_code == 401
    assert "does not match" in tampered.json()["error"]["message"]
    wrong_secret = _send(client, secret + "x", "GET", "/api/v1/posts")
    assert wrong_secret.status_code == 401
    garbled = client.get(
        "/api/v1/posts",
        headers={"X-Socialsched-Timestamp": "soon", "X-Socialsched-Signature": "sha256=00"},
    )
    assert garbled.status_code == 401 and "Unix time" in garbled.json()["error"]["message"]
    assert _posts(api) == 1

    # A key without a signing secret is unaffected by the headers.
    plain = api.client("acme", "editor").get(
        "/api/v1/posts", headers={"X-Socialsched-Signature": "sha256=nonsense"}
    )
    assert plain.status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_timestamp_more_than_five_minutes_away_is_refused(api, cipher):
    key, secret = _signing_key(api.db, cipher, api.workspace_ids["acme"], "viewer")
    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"})
    api.clients.append(client)
    now = time.time()
    for offset in (-301, 301, -3600):
        stale = _send(client, secret, "GET", "/api/v1/workspace", at=now + offset)
        assert stale.status_code == 401, offset
        assert "5 minutes" in stale.json()["error"]["message"]
    assert _send(client, secret, "GET", "/api/v1/workspace", at=now - 280).status_code == 200
    assert _send(client, secret, "GET", "/api/v1/workspace", at=now + 280).status_code == 200


def test_a_signed_request_sent_again_is_refused_as_a_replay(api, cipher, post_body):
    key, secret = _signing_key(api.db, cipher, api.workspace_ids["acme"])
    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"})
    api.clients.append(client)
    request = client.build_request("POST", "/api/v1/posts", json=post_body())
    timestamp = f"{time.time():.0f}"
    request.headers["X-Socialsched-Timestamp"] = timestamp
    request.headers["X-Socialsched-Signature"] = sign(
        secret, "POST", "/api/v1/posts", timestamp, request.content
    )
    first = client.send(request)
    again = client.send(request)
    assert first.status_code == 201
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "bad_signature"
    assert "already received" in again.json()["error"]["message"]
    assert _posts(api) == 1
    # The same post in the same second, told apart by the timestamp's decimals: a new request.
    other = _send(client, secret, "POST", "/api/v1/posts", json=post_body(), at=f"{timestamp}.5")
    assert other.status_code == 201
    assert _posts(api) == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_redis_a_signed_request_is_refused_but_plain_keys_are_served(
    db, cipher, api_settings
):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    with served(db, cipher, api_settings, redis_url=nowhere) as api:
        key, secret = _signing_key(db, cipher, api.workspace_ids["acme"])
        client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"})
        api.clients.append(client)
        refused = _send(client, secret, "GET", "/api/v1/posts")
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "unavailable"
        assert refused.headers["Retry-After"] == "5"
        # Checked before Redis is asked: a bad signature is still a 401.
        assert _send(client, secret + "x", "GET", "/api/v1/posts").status_code == 401
        assert api.client("acme", "editor").get("/api/v1/posts").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keys_create_signing_prints_the_secret_once_and_it_signs_requests(
    api, db_url, token_key, tmp_path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIALSCHED_", "DAGSTER_"))}
    env.update(
        SOCIALSCHED_HOME=str(tmp_path / "cli-home"),
        SOCIALSCHED_DATABASE_URL=db_url,
        SOCIALSCHED_TOKEN_KEY=token_key,
    )

    def cli(*args):
        return subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120
        )

    made = cli("keys", "create", "--workspace", "acme", "--role", "viewer", "--signing")
    assert made.returncode == 0, made.stderr
    key, secret = made.stdout.split()
    assert key.startswith("ssk_") and secret.startswith("sss_")
    assert "signing secret" in made.stderr and secret not in made.stderr
    listed = json.loads(cli("keys", "list", "--workspace", "acme", "--json").stdout)
    assert [row["signing"] for row in listed if key.startswith(row["prefix"])] == [True]
    assert secret not in json.dumps(listed)

    client = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"})
    api.clients.append(client)
    assert client.get("/api/v1/workspace").status_code == 401
    assert _send(client, secret, "GET", "/api/v1/workspace").json()["role"] == "viewer"
