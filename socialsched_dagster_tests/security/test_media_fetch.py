"""The media fetcher on its own, against real local servers: DNS rebinding between the intake
check and the connection, redirects to what is not a web address, and TLS verified against the
URL's host while the connection goes to the address that was checked."""

from __future__ import annotations

import datetime
import ssl
from collections import Counter

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from socialsched_dagster.security.media_fetch import MediaFetcher
from socialsched_dagster.security.public_urls import MediaPolicy, UnsafeUrl, check_media_url

from ..media_servers import VIDEO_BYTES

LOOPBACK_1 = MediaPolicy.from_env({"SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "127.0.0.1/32"})


# -- DNS rebinding: the check is made on the address connected to --------------------------------


class Rebinding:
    """A resolver for a name whose answer changes: public to the intake check, loopback to
    every later question (the connection)."""

    def __init__(self, first: str, later: str) -> None:
        self.first, self.later, self.asked = first, later, 0

    def __call__(self, host: str) -> list[str]:
        self.asked += 1
        return [self.first if self.asked == 1 else self.later]


def test_a_name_that_rebinds_after_intake_is_refused_at_connect(serve):
    media = serve("127.0.0.1")
    url = f"http://media.rebind.test:{media.port}/clip.mp4"
    resolve = Rebinding("8.8.8.8", "127.0.0.1")
    assert check_media_url(url, MediaPolicy(), resolve) == url  # public at intake
    refused = pytest.raises(UnsafeUrl, match=r"resolves to 127\.0\.0\.1, not a public address")
    with (
        MediaFetcher(MediaPolicy(), timeout=2, resolve=resolve) as fetcher,
        refused,
        fetcher.stream("GET", url),
    ):
        pass
    assert resolve.asked == 2 and media.requests == 0


def test_the_fetch_connects_to_the_address_it_checked(serve):
    """Where the resolved address is allowed, the connection goes to exactly that address
    while the request still names the host of the URL."""
    media = serve("127.0.0.1")
    resolve = Rebinding("127.0.0.1", "127.0.0.1")
    url = f"http://media.rebind.test:{media.port}/clip.mp4"
    with (
        MediaFetcher(LOOPBACK_1, timeout=2, resolve=resolve) as fetcher,
        fetcher.stream("GET", url) as response,
    ):
        assert response.read() == VIDEO_BYTES
    assert media.seen == Counter({("GET", "/clip.mp4", f"media.rebind.test:{media.port}"): 1})


# -- TLS: connected to the checked address, verified against the URL's host name ------------------


def _certificate_for(name: str, directory) -> tuple[str, str, str]:
    """A throwaway CA and a server certificate for `name`: (ca.pem, cert.pem, key.pem)."""

    def subject(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(subject("test CA")).issuer_name(subject("test CA"))
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder().subject_name(subject(name)).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = [str(directory / f) for f in ("ca.pem", "cert.pem", "key.pem")]
    pem = serialization.Encoding.PEM
    for path, data in zip(
        paths,
        (
            ca.public_bytes(pem),
            cert.public_bytes(pem),
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        ),
        strict=True,
    ):
        with open(path, "wb") as out:
            out.write(data)
    return paths[0], paths[1], paths[2]


def test_tls_verifies_the_url_host_while_connecting_to_the_checked_address(tmp_path, serve):
    ca, cert, key = _certificate_for("media.rebind.test", tmp_path)
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    media = serve("127.0.0.1", tls=served)
    trusted = ssl.create_default_context(cafile=ca)
    resolve = Rebinding("127.0.0.1", "127.0.0.1")
    with MediaFetcher(LOOPBACK_1, timeout=2, resolve=resolve, ssl_context=trusted) as fetcher:
        url = f"https://media.rebind.test:{media.port}/clip.mp4"
        with fetcher.stream("GET", url) as response:
            assert response.read() == VIDEO_BYTES  # SNI and certificate: the URL's name
        # Same address, another name: the certificate does not cover it.
        other = f"https://other.rebind.test:{media.port}/clip.mp4"
        with (
            pytest.raises(httpx.ConnectError, match=r"(?i)certificate"),
            fetcher.stream("GET", other),
        ):
            pass
    assert media.seen == Counter({("GET", "/clip.mp4", f"media.rebind.test:{media.port}"): 1})


# -- redirects -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "javascript:alert(1)"]
)
def test_a_redirect_to_a_non_web_address_is_refused(serve, location):
    origin = serve("127.0.0.1", redirect_to=location)
    with (
        MediaFetcher(LOOPBACK_1, timeout=2) as fetcher,
        pytest.raises(UnsafeUrl, match=r"^redirected to .*(http:// or https://|not a web URL)"),
        fetcher.stream("GET", f"{origin.base}/clip.mp4"),
    ):
        pass
    assert origin.requests == 1


def test_redirects_are_followed_at_most_five_times(serve):
    endless = serve("127.0.0.1", redirect_to="")  # every path redirects to itself
    with (
        MediaFetcher(LOOPBACK_1, timeout=2) as fetcher,
        pytest.raises(UnsafeUrl, match="redirected more than 5 times"),
        fetcher.stream("GET", f"{endless.base}/clip.mp4"),
    ):
        pass
    assert endless.requests == 6  # the first request and five redirects
