"""The pieces that need no server: configuration, error tables, usage headers, video bytes."""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.google_errors import PACIFIC, seconds_until_pacific_midnight
from socialsched_dagster.platforms.google_errors import classify as google_kind
from socialsched_dagster.platforms.http import USER_AGENT, build_http_client, redact
from socialsched_dagster.platforms.meta_errors import classify, parse_usage
from socialsched_dagster.platforms.registry import build_clients
from socialsched_dagster.platforms.youtube.video_source import (
    DownloadedVideo,
    SyntheticVideo,
    open_video,
)
from socialsched_dagster.security.media_fetch import MediaFetcher
from socialsched_dagster.security.public_urls import MediaPolicy, MediaPolicyError

K = ErrorKind


def test_config_defaults_env_sandbox_and_repr():
    default = PlatformConfig()
    assert default.graph_url == "https://graph.facebook.com/v27.0"
    # Meta's Video API moved uploads off graph-video.facebook.com.
    assert default.graph_video_base_url == "https://graph.facebook.com"
    assert default.youtube_chunk_size == 8 * 1024 * 1024 and default.max_connections == 20
    env = {
        "SOCIALSCHED_GRAPH_BASE_URL": "http://g",
        "SOCIALSCHED_YOUTUBE_BASE_URL": "http://y",
        "SOCIALSCHED_META_APP_SECRET": "s3cr3t-meta",
        "SOCIALSCHED_GOOGLE_CLIENT_SECRET": "s3cr3t-google",
        "SOCIALSCHED_MEDIA_STAND_IN_HOSTS": "media.example.org",
        "SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "10.1.0.0/16",
    }
    config = PlatformConfig.from_env(env)
    assert config.media_policy.stand_in_hosts == ("media.example.org",)
    assert [str(n) for n in config.media_policy.private_networks] == ["10.1.0.0/16"]
    assert PlatformConfig().media_policy == MediaPolicy()  # production default: public only
    with pytest.raises(MediaPolicyError, match="SOCIALSCHED_MEDIA_PRIVATE_NETWORKS"):
        PlatformConfig.from_env({"SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "10.1.0.0/33"})
    assert config.graph_base_url == config.graph_video_base_url == "http://g"
    assert config.youtube_upload_base_url == config.youtube_api_base_url == "http://y"
    assert "s3cr3t" not in repr(config) and "meta_app_secret='***'" in repr(config)
    sandbox = PlatformConfig.for_sandbox("http://127.0.0.1:9/", read_timeout_s=2)
    assert sandbox.google_token_url == "http://127.0.0.1:9/token"
    assert sandbox.instagram_base_url == "http://127.0.0.1:9" and sandbox.synthetic_video_bytes
    assert sandbox.read_timeout_s == 2
    with pytest.raises(ValueError, match="multiple of 262144"):
        PlatformConfig(youtube_chunk_size=1000)


def test_graph_api_version_is_a_setting():
    assert PlatformConfig.from_env({"SOCIALSCHED_GRAPH_API_VERSION": "v25.0"}).graph_url == (
        "https://graph.facebook.com/v25.0"
    )
    with pytest.raises(ValueError, match="must look like v27"):
        PlatformConfig.from_env({"SOCIALSCHED_GRAPH_API_VERSION": "27"})


def test_http_client_is_pooled_with_explicit_timeouts():
    with build_http_client(PlatformConfig(read_timeout_s=7)) as http:
        assert http.timeout.read == 7 and http.timeout.connect == 5
        assert http.headers["user-agent"] == USER_AGENT
        assert USER_AGENT.startswith("socialsched-dagster/")


@pytest.mark.parametrize(
    ("code", "subcode", "transient", "kind"),
    [
        (190, 463, False, K.AUTH_EXPIRED),
        (190, 460, False, K.AUTH_EXPIRED),
        (2, None, True, K.PLATFORM_UNAVAILABLE),
        (341, None, False, K.PLATFORM_UNAVAILABLE),
        (1, None, False, K.PLATFORM_UNAVAILABLE),
        (4, None, True, K.RATE_LIMITED),
        (17, None, False, K.RATE_LIMITED),
        (32, None, True, K.RATE_LIMITED),
        (613, None, False, K.RATE_LIMITED),
        (80001, None, True, K.RATE_LIMITED),
        (80002, None, True, K.RATE_LIMITED),
        (9, 2207042, False, K.QUOTA_EXHAUSTED),
        (24, 2207008, False, K.MEDIA_PROCESSING),
        (9007, 2207027, False, K.MEDIA_PROCESSING),
        (100, 2207010, False, K.VALIDATION),
        (352, None, False, K.VALIDATION),
        (36003, None, False, K.VALIDATION),
        (9004, 2207052, False, K.VALIDATION),
        (506, None, False, K.DUPLICATE),
        (368, None, False, K.ACCOUNT_BLOCKED),
        (25, 2207050, False, K.ACCOUNT_BLOCKED),
        (4, 2207051, False, K.ACCOUNT_BLOCKED),
        (10, None, False, K.ACCOUNT_BLOCKED),
        (12345, None, False, K.UNKNOWN),
        (12345, None, True, K.PLATFORM_UNAVAILABLE),
    ],
)
def test_graph_error_table(code, subcode, transient, kind):
    assert classify(code, subcode, transient) is kind


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (401, "authError", K.AUTH_EXPIRED),
        (403, "quotaExceeded", K.QUOTA_EXHAUSTED),
        (400, "uploadLimitExceeded", K.QUOTA_EXHAUSTED),
        (403, "rateLimitExceeded", K.RATE_LIMITED),
        (429, "userRateLimitExceeded", K.RATE_LIMITED),
        (503, "backendError", K.PLATFORM_UNAVAILABLE),
        (400, "invalidDescription", K.VALIDATION),
        (403, "forbidden", K.ACCOUNT_BLOCKED),
    ],
)
def test_google_error_table(status, reason, kind):
    assert google_kind(status, reason) is kind


def test_usage_headers():
    headers = httpx.Headers(
        {
            "x-app-usage": '{"call_count":28,"total_time":25,"total_cputime":25}',
            "x-business-use-case-usage": '{"1784":[{"type":"instagram","call_count":97,'
            '"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":3}]}',
        }
    )
    usage = parse_usage(headers)
    assert usage.percent == 97 and usage.regain_after_s == 180
    assert parse_usage(httpx.Headers({"x-app-usage": "not json"})) is None


def test_quota_waits_for_midnight_pacific():
    evening = datetime(2024, 5, 1, 23, 0, tzinfo=PACIFIC)
    assert seconds_until_pacific_midnight(evening) == 3600


def test_redaction():
    text = 'GET /x?access_token=EAAB123&fields=id {"refresh_token":"1//abc"} Bearer ya29.zz'
    clean = redact(text, ("mysecret-token",))
    assert "EAAB123" not in clean and "1//abc" not in clean and "ya29.zz" not in clean
    assert "fields=id" in clean and redact("x mysecret-token y", ("mysecret-token",)) == "x *** y"


def test_stand_in_hosts_are_configuration_not_code():
    """Which videos are synthetic is the config's to say: by the sandbox switch or by the
    policy's stand-in hosts, never by a host name written into the code."""
    policy = MediaPolicy(stand_in_hosts=("socialsched.dev",))
    with MediaFetcher(MediaPolicy(), timeout=1) as fetcher:
        stand_in = PlatformConfig(media_policy=policy)
        assert isinstance(open_video(stand_in, fetcher, "https://samples.socialsched.dev/a.mp4"),
                          SyntheticVideo)  # fmt: skip
        switched = PlatformConfig(synthetic_video_bytes=True)
        assert isinstance(open_video(switched, fetcher, "https://cdn.real.test/a.mp4"),
                          SyntheticVideo)  # fmt: skip
        # Without either, a host that once was special is fetched like any other: and
        # `.invalid` never resolves.
        with pytest.raises(PublishError) as err:
            open_video(PlatformConfig(), fetcher, "https://unfetchable.invalid/a.mp4")
        assert err.value.kind is ErrorKind.NETWORK


def test_synthetic_video_is_deterministic():
    a, b = (
        SyntheticVideo("https://x.invalid/v.mp4", 300_000),
        SyntheticVideo("https://x.invalid/v.mp4", 300_000),
    )
    whole = a.read(0, 300_000)
    assert len(whole) == 300_000 and whole == b.read(0, 10**6)
    assert a.read(65_000, 70_000) == whole[65_000:135_000]  # across the pattern's seams
    assert a.content_type == "video/mp4" and a.read(300_000, 10) == b""
    assert whole != SyntheticVideo("https://x.invalid/other.mp4", 300_000).read(0, 300_000)


class _Media(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/clip.mp4":
            self.send_error(404)
            return
        body = bytes(range(256)) * 1000
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return None


def test_downloaded_video_from_a_real_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Media)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    local = MediaPolicy.from_env({"SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "127.0.0.0/8"})
    try:
        with MediaFetcher(local, timeout=5) as fetcher:
            video = DownloadedVideo(fetcher, f"{base}/clip.mp4")
            assert video.size == 256_000 and video.read(256, 3) == b"\x00\x01\x02"
            video.close()
            with pytest.raises(PublishError) as err:
                DownloadedVideo(fetcher, f"{base}/missing.mp4?sig=secret")
            assert err.value.kind is ErrorKind.VALIDATION and "sig=" not in err.value.message
    finally:
        server.shutdown()
        server.server_close()


def test_registry_builds_one_client_per_platform():
    clients = build_clients(PlatformConfig(), Unguarded())
    assert set(clients) == set(Platform)
    assert all(client.platform is platform for platform, client in clients.items())
    for client in clients.values():
        client.close()
