"""The cached lookups against the real things they save work on: the sandbox's Graph API, the
app database on both backends, and an HTTP media host."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from sqlalchemy import update

from socialsched_dagster.cache import RedisCache
from socialsched_dagster.cache.cached_lookups import (
    AccountMeta,
    cached_account_meta,
    cached_publishing_limit,
    forget_account_meta,
    media_url_ok,
)
from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.instagram import InstagramClient
from socialsched_dagster.sandbox.process import SandboxProcess
from socialsched_dagster.security.media_fetch import MediaFetcher
from socialsched_dagster.security.public_urls import MediaPolicy
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.models import Account
from socialsched_dagster_tests.disposable_redis import free_port

IG_USER = "17841400000000042"
IMAGE = Media.parse("https://cdn.example.com/a.jpg")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(settings={"ig_quota_total": 5}) as sb:
        yield sb


@pytest.fixture
def ig(sandbox) -> Iterator[InstagramClient]:
    sandbox.control.reset()
    config = PlatformConfig.for_sandbox(sandbox.base_url, container_poll_interval_s=0.05)
    client = InstagramClient(config, Unguarded())
    yield client
    client.close()


def limit_requests(sandbox: SandboxProcess) -> int:
    return sandbox.control.stats()["requests"].get("ig_publishing_limit", 0)


def test_publishing_limit_is_asked_once_a_minute_far_from_the_cap(sandbox, ig, redis_url, ns):
    cache = RedisCache(redis_url, ns)
    token = sandbox.control.mint_token("instagram", IG_USER)["access_token"]

    def job_for(n: int) -> PublishJob:
        content = PostContent(f"post {n}", media=(IMAGE,))
        return PublishJob(n, Platform.INSTAGRAM, IG_USER, token, content)

    job = job_for(1)
    assert [cached_publishing_limit(cache, ig, job) for _ in range(4)] == [(0, 5)] * 4
    assert limit_requests(sandbox) == 1

    for n in range(2):  # 2 of 5: within the headroom of 3, where a stale count would matter
        post = job_for(10 + n)
        ig.publish(post, ig.prepare(post))
    cache.invalidate(f"ig:publishing_limit:{IG_USER}")
    before = limit_requests(sandbox)
    assert [cached_publishing_limit(cache, ig, job) for _ in range(3)] == [(2, 5)] * 3
    # ig.publish asked twice itself; near the cap every lookup asks the platform again.
    assert limit_requests(sandbox) - before == 3


def test_account_meta_is_read_from_the_database_once_until_forgotten(db, cipher, redis_url, ns):
    cache = RedisCache(redis_url, ns)
    with db.session() as s, s.begin():
        account = add_account(
            s,
            cipher,
            platform=Platform.FACEBOOK,
            external_id="1001",
            handle="acme",
            access_token="t",
        )
        account_id = account.id
    expected = AccountMeta("facebook", "acme", "1001", "active")
    assert cached_account_meta(cache, db, account_id) == expected
    with db.session() as s, s.begin():  # changed behind the cache's back
        s.execute(update(Account).where(Account.id == account_id).values(status="disabled"))
    assert cached_account_meta(cache, db, account_id) == expected
    forget_account_meta(cache, account_id)
    assert cached_account_meta(cache, db, account_id).status == "disabled"
    assert cached_account_meta(cache, db, account_id + 1000) is None
    assert not redis.Redis.from_url(redis_url).exists(f"{ns}:v:account:{account_id + 1000}")


class MediaHost(BaseHTTPRequestHandler):
    seen: Counter = Counter()

    def do_HEAD(self):
        MediaHost.seen[("HEAD", self.path)] += 1
        status = {"/ok.jpg": 200, "/moved.jpg": 301, "/no-head.jpg": 405}.get(self.path, 404)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok.jpg")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        MediaHost.seen[("GET", self.path)] += 1
        self.send_response(206 if self.path == "/no-head.jpg" else 404)
        self.send_header("Content-Length", "1")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):
        return None


@pytest.fixture
def media_host() -> Iterator[str]:
    MediaHost.seen.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_media_reachability_is_cached_only_when_reachable(media_host, redis_url, ns):
    cache, seen = RedisCache(redis_url, ns), MediaHost.seen
    # The media host is on loopback: reachable only because this policy says so, and the
    # demo's hosts are stand-ins only because it names them.
    policy = MediaPolicy.from_env({
        "SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "127.0.0.0/8",
        "SOCIALSCHED_MEDIA_STAND_IN_HOSTS": "example.com,socialsched.dev",
    })  # fmt: skip
    with MediaFetcher(policy, timeout=2) as http:
        assert media_url_ok(cache, http, f"{media_host}/ok.jpg")
        assert media_url_ok(cache, http, f"{media_host}/ok.jpg")
        assert seen[("HEAD", "/ok.jpg")] == 1
        assert media_url_ok(cache, http, f"{media_host}/moved.jpg")
        assert media_url_ok(cache, http, f"{media_host}/no-head.jpg")  # falls back to GET
        assert seen[("GET", "/no-head.jpg")] == 1
        assert not media_url_ok(cache, http, f"{media_host}/missing.jpg")
        assert not media_url_ok(cache, http, f"{media_host}/missing.jpg")
        assert seen[("HEAD", "/missing.jpg")] == 2  # a failure is asked again
        assert not media_url_ok(cache, http, f"http://127.0.0.1:{free_port()}/x.jpg")
        before = sum(seen.values())
        assert media_url_ok(cache, http, "https://cdn.example.com/bench/1.jpg")  # demo host
        assert media_url_ok(cache, http, "https://media.socialsched.dev/clip.mp4")
        assert sum(seen.values()) == before


def test_media_on_an_internal_address_is_never_asked(media_host, redis_url, ns):
    """Without a policy allowing loopback, the media check does not reach the local host at
    all (not even a HEAD), and reports the media as not reachable."""
    cache, seen = RedisCache(redis_url, ns), MediaHost.seen
    with MediaFetcher(MediaPolicy(), timeout=2) as http:
        assert not media_url_ok(cache, http, f"{media_host}/ok.jpg")
    assert sum(seen.values()) == 0
