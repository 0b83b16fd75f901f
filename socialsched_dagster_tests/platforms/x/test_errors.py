"""X's refusals as the publisher needs them: a 429 waits until X's reset (no Retry-After, an
epoch-second reset), a dead token is AUTH_EXPIRED, a failure of the post request is an
unknown outcome, and X's own words reach the user, never a token."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import PublishJob
from socialsched_dagster.platforms.x import XClient
from socialsched_dagster.platforms.x.handle import Prepared
from socialsched_dagster.security.public_urls import MediaPolicy

from .conftest import SETTINGS
from .helpers import IMAGE, USER, P, job, requests, tokens


def fails(fn, *args) -> PublishError:
    with pytest.raises(PublishError) as err:
        fn(*args)
    return err.value


def send(xc, j: PublishJob) -> str:
    return xc.publish(j, xc.prepare(j))


def test_a_spent_window_waits_until_x_says_it_resets(sb, xc, guard, limits):
    limits(create_per_user=2)
    access = tokens(sb)["access_token"]
    send(xc, job(sb, PostContent(text="one"), token=access))
    send(xc, job(sb, PostContent(text="two"), token=access))
    # The second answer said 0 remaining: the guard is told to pause until the reset.
    usage = guard.usage[-1][2]
    assert usage.percent == 100 and 890 <= usage.regain_after_s <= 900
    err = fails(send, xc, job(sb, PostContent(text="three"), token=access))
    assert err.kind is ErrorKind.RATE_LIMITED and err.http_status == 429
    assert err.message == "Too Many Requests"
    # 15 minutes from the window's first post, by X's clock (its Date header).
    assert 890 <= err.retry_after_s <= 900
    assert len(sb.control.ledger()) == 2
    sb.control.advance_clock(err.retry_after_s + 1)
    send(xc, job(sb, PostContent(text="three"), token=access))  # the window has reset
    assert len(sb.control.ledger()) == 3


def test_the_apps_daily_cap_waits_for_its_own_reset(sb, xc, limits):
    limits(create_per_app=1)
    send(xc, job(sb, PostContent(text="the day's only post")))
    other = "1500000000000000043"  # another account of the same app
    err = fails(send, xc, job(sb, PostContent(text="one too many"), account=other))
    assert err.kind is ErrorKind.RATE_LIMITED
    assert 86390 <= err.retry_after_s <= 86400  # x-app-limit-24hour-reset, not the 15 min


def test_a_revoked_token_is_auth_expired_without_the_token_in_the_message(sb, xc):
    j = job(sb, PostContent(text="too late"))
    sb.control.revoke(USER, P.value)
    err = fails(xc.prepare, j)
    assert err.kind is ErrorKind.AUTH_EXPIRED and err.http_status == 401
    assert err.message == "Unauthorized" and j.access_token not in str(err)


def test_an_expired_token_is_auth_expired(sb, xc):
    j = job(sb, PostContent(text="expired"), token=tokens(sb, expires_in=1, issued_ago=2)[
        "access_token"])  # fmt: skip
    assert fails(xc.prepare, j).kind is ErrorKind.AUTH_EXPIRED


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_on_the_post_is_an_unknown_outcome(sb, xc, status):
    j = job(sb, PostContent(text="did it go?"))
    handle = xc.prepare(j)
    sb.control.set_faults(error_rates={"x_create_post": {"rate": 1.0, "status": status}})
    err = fails(xc.publish, j, handle)
    assert err.kind is ErrorKind.UNKNOWN_OUTCOME and err.http_status == status


def test_a_server_error_on_an_upload_is_only_unavailable(sb, xc):
    sb.control.set_faults(error_rates={"x_media_initialize": {"rate": 1.0, "status": 503}})
    err = fails(xc.prepare, job(sb, PostContent(text="pic", media=(IMAGE,))))
    assert err.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.message == "Service Unavailable"


def test_a_lost_or_unreadable_answer_to_the_post_is_an_unknown_outcome(sb, xc):
    j = job(sb, PostContent(text="lost"))
    handle = xc.prepare(j)
    sb.control.set_faults(drop_after_commit={"endpoints": ["x_create_post"], "count": 1})
    assert fails(xc.publish, j, handle).kind is ErrorKind.UNKNOWN_OUTCOME
    j2 = job(sb, PostContent(text="garbled"), token=j.access_token)
    handle2 = xc.prepare(j2)
    sb.control.set_faults(malformed={"endpoints": ["x_create_post"], "count": 1})
    err = fails(xc.publish, j2, handle2)
    assert err.kind is ErrorKind.UNKNOWN_OUTCOME and "malformed response" in err.message


def test_text_x_counts_too_long_is_refused_in_its_words(sb, xc):
    j = job(sb, PostContent(text="ok"))
    prepared = Prepared.decode(xc.prepare(j))
    long = job(sb, PostContent(text="字" * 141), token=j.access_token)
    err = fails(xc.post, long, prepared)  # past our own rules: what X itself answers
    assert err.kind is ErrorKind.VALIDATION and err.http_status == 400
    assert err.message.startswith("Your Tweet text is too long.")
    # `prepare` checks the same rule before anything is sent.
    assert fails(xc.prepare, long).code == "content_rules"


def test_expired_uploads_are_uploaded_again(sb, xc):
    j = job(sb, PostContent(text="old picture", media=(IMAGE,)))
    handle = xc.prepare(j)
    sb.control.advance_clock(86401)  # X deletes unposted media after a day
    refreshed = tokens(sb)["access_token"]  # the test's token has expired meanwhile too
    err = fails(xc.publish, job(sb, j.content, token=refreshed), handle)
    assert err.kind is ErrorKind.MEDIA_PROCESSING and err.replace_container
    assert err.message.startswith("Your media IDs are invalid.")
    assert sb.control.ledger() == []


@pytest.fixture
def media_host() -> Iterator[str]:
    files = {
        "/pic.png": ("image/png", _png()),
        "/big.png": ("image/png", _png() + b"\x00" * (6 * 1024 * 1024)),
        "/clip.mp4": ("video/mp4", b"not a video" * 99),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            kind, body = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetching(x_config, guard) -> Iterator[XClient]:
    """A client that downloads real media from the local host (no synthetic bytes)."""
    local = MediaPolicy(private_networks=(ipaddress.ip_network("127.0.0.0/8"),))
    config = x_config.replace(media_policy=local, synthetic_video_bytes=False)
    client = XClient(config, guard, settings=SETTINGS)
    yield client
    client.close()


def test_real_media_is_downloaded_through_the_guarded_fetcher(sb, fetching, media_host):
    j = job(sb, PostContent(text="a real picture", media=(Media.parse(f"{media_host}/pic.png"),)))
    send(fetching, j)
    assert len(sb.control.ledger()) == 1


def test_a_file_x_cannot_process_fails_in_its_words(sb, fetching, media_host):
    j = job(sb, PostContent(text="odd", media=(Media.parse(f"{media_host}/clip.mp4"),)))
    handle = fetching.prepare(j)  # uploaded: X only finds out while processing
    err = fails(fetching.publish, j, handle)
    assert err.kind is ErrorKind.VALIDATION and err.code == "media_failed"
    assert "Invalid or Unsupported media" in err.message
    assert requests(sb, "x_media_status") >= 1 and sb.control.ledger() == []


def test_private_addresses_are_never_fetched(sb, xc, media_host):
    # The suite's default policy: public addresses only (security/public_urls.py).
    j = job(sb, PostContent(text="sneaky", media=(Media.parse(f"{media_host}/pic.png"),)))
    err = fails(xc.prepare, j)
    assert err.kind is ErrorKind.VALIDATION and "was not downloaded" in err.message
    assert requests(sb, "x_media_initialize") == 0


def test_an_image_over_x_limit_is_refused_before_uploading(sb, fetching, media_host):
    j = job(sb, PostContent(text="huge", media=(Media.parse(f"{media_host}/big.png"),)))
    err = fails(fetching.prepare, j)
    assert err.kind is ErrorKind.VALIDATION and err.code == "media_too_large"
    assert err.message == "the image is larger than X accepts (5 MB)"
    assert requests(sb, "x_media_initialize") == 0


def _png() -> bytes:
    import struct
    import zlib

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * 4 for _ in range(4))
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
