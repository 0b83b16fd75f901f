"""Real media: downloaded from the host the post names (a local server here), uploaded as a
file, refused early when the instance would refuse it anyway."""

from __future__ import annotations

import ipaddress
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.mastodon import MastodonClient
from socialsched_dagster.security.public_urls import MediaPolicy

from .conftest import SETTINGS
from .helpers import job, requests, statuses


def png() -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * 4 for _ in range(4))
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))


FILES = {
    "/pic.png": ("image/png", png()),
    "/big.png": ("image/png", png() + b"\x00" * (2 * 1024 * 1024)),
    "/odd.png": ("image/png", b"not an image at all" * 10),
}


@pytest.fixture
def media_host() -> Iterator[tuple[str, Counter]]:
    seen: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen[self.path] += 1
            kind, body = FILES[self.path]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetching(m_config, guard) -> Iterator[MastodonClient]:
    local = MediaPolicy(private_networks=(ipaddress.ip_network("127.0.0.0/8"),))
    client = MastodonClient(m_config.replace(media_policy=local), guard, settings=SETTINGS)
    yield client
    client.close()


def test_an_image_is_downloaded_once_and_uploaded_as_a_file(sb, fetching, media_host):
    base, seen = media_host
    j = job(sb, PostContent(text="a real picture", media=(Media.parse(f"{base}/pic.png"),)))
    fetching.publish(j, fetching.prepare(j))
    assert seen["/pic.png"] == 1
    [shown] = statuses(sb)
    assert shown["media_attachments"][0]["type"] == "image"


def test_a_file_over_the_instances_limit_is_refused_before_uploading(
    sb, fetching, media_host, instance
):
    instance(image_size_limit=1024 * 1024)
    base, _seen = media_host
    j = job(sb, PostContent(text="too big", media=(Media.parse(f"{base}/big.png"),)))
    with pytest.raises(PublishError) as err:
        fetching.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and "larger than the instance accepts" in str(
        err.value
    )
    assert requests(sb, "mastodon_media_upload") == 0


def test_a_file_the_instance_cannot_identify_fails_in_its_words(sb, fetching, media_host):
    base, _seen = media_host
    j = job(sb, PostContent(text="odd", media=(Media.parse(f"{base}/odd.png"),)))
    with pytest.raises(PublishError) as err:
        fetching.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and err.value.http_status == 422
    assert err.value.message == "Validation failed: File content type is invalid, File is invalid"
