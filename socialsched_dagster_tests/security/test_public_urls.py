"""Which media URLs intake accepts: web URLs on public hosts, stand-ins by configuration only.

Names are resolved by the system resolver (localhost is loopback on any machine; a `.invalid`
name never resolves), except where a test gives a resolver to show what was asked of DNS.
"""

from __future__ import annotations

import ipaddress

import pytest

from socialsched_dagster.security.public_urls import (
    CachingResolver,
    MediaPolicy,
    MediaPolicyError,
    UnsafeUrl,
    address_refusal,
    check_media_url,
    connectable_addresses,
    parse_ip_literal,
)

PUBLIC_ONLY = MediaPolicy()
NOT_PUBLIC = "not a public address"

# fmt: off
VERDICTS = [
    # (url, None when accepted, else words the refusal must contain)
    ("http://8.8.8.8/a.jpg", None),
    ("https://[2001:4860:4860::8888]/a.jpg", None),
    ("http://[::ffff:8.8.8.8]/a.jpg", None),  # a mapped public address is public
    ("http://169.254.169.254/latest/meta-data/a.jpg", "(link-local)"),
    ("http://127.0.0.1:9/a.jpg", "(loopback)"),
    ("http://127.9.9.9/a.jpg", "(loopback)"),
    ("http://localhost/a.jpg", "localhost resolves to"),
    ("http://10.0.0.7/a.jpg", "(private)"),
    ("http://172.16.5.4/a.jpg", "(private)"),
    ("http://192.168.1.1/a.jpg", "(private)"),
    ("http://100.64.0.1/a.jpg", "(shared (carrier-grade NAT))"),
    ("http://0.0.0.0/a.jpg", "(unspecified)"),
    ("http://224.0.0.1/a.jpg", "(multicast)"),
    ("http://240.0.0.1/a.jpg", NOT_PUBLIC),
    ("http://[::1]/a.jpg", "(loopback)"),
    ("http://[::]/a.jpg", "(unspecified)"),
    ("http://[fe80::1]/a.jpg", "(link-local)"),
    ("http://[fd00:ec2::254]/a.jpg", "(private)"),
    ("http://[fec0::1]/a.jpg", "(site-local)"),
    ("http://[::ffff:127.0.0.1]/a.jpg", "(loopback)"),
    ("http://[::ffff:169.254.169.254]/a.jpg", "(link-local)"),
    ("http://[64:ff9b::a00:7]/a.jpg", "(private)"),  # NAT64 of 10.0.0.7
    ("http://[2002:7f00:1::]/a.jpg", "(loopback)"),  # 6to4 of 127.0.0.1
    ("http://2130706433/a.jpg", "2130706433 is 127.0.0.1"),
    ("http://0x7f.1/a.jpg", "0x7f.1 is 127.0.0.1"),
    ("http://0x7f000001/a.jpg", "is 127.0.0.1"),
    ("http://0177.0.0.1/a.jpg", "is 127.0.0.1"),
    ("http://127.1/a.jpg", "is 127.0.0.1"),
    ("http://0xa9.254.169.254/a.jpg", "is 169.254.169.254"),
    ("javascript:alert(1)//a.jpg", "must start with http:// or https://"),
    ("data:image/png;base64,iVBORw0KGgo=", "must start with http:// or https://"),
    ("file:///etc/passwd", "must start with http:// or https://"),
    ("ftp://8.8.8.8/a.jpg", "must start with http:// or https://"),
    ("https:8.8.8.8/a.jpg", "must start with http:// or https://"),
    ("https://user:pass@8.8.8.8/a.jpg", "user name or password"),
    ("https://8.8.8.8@127.0.0.1/a.jpg", "user name or password"),
    ("https://8.8.8.8\\@127.0.0.1/a.jpg", "user name or password"),
    ("https:///a.jpg", "has no host name"),
    ("https://8.8.8.8:99999/a.jpg", "invalid port"),
    ("https://8.8.8.8/a b.jpg", "whitespace"),
    ("https://8.8.8.8/a\u202e.jpg", "control character"),
    ("https://8.8.8.8/" + "a" * 9000, "at most 8,192"),
    ("https://no-such-host.socialsched.invalid/a.jpg", "does not resolve"),
]
# fmt: on


@pytest.mark.parametrize(("url", "refusal"), VERDICTS, ids=[v[0][:50] for v in VERDICTS])
def test_media_url_verdicts(url, refusal):
    if refusal is None:
        assert check_media_url(url, PUBLIC_ONLY) == url
        return
    with pytest.raises(UnsafeUrl) as err:
        check_media_url(url, PUBLIC_ONLY)
    message = str(err.value)
    assert refusal in message, message
    assert message.startswith("media URL ") and "\n" not in message


def test_messages_name_the_url_without_query_or_credentials():
    with pytest.raises(UnsafeUrl) as err:
        check_media_url("https://127.0.0.1/a.jpg?X-Amz-Signature=s3cr3t", PUBLIC_ONLY)
    assert "https://127.0.0.1/a.jpg" in str(err.value) and "s3cr3t" not in str(err.value)
    with pytest.raises(UnsafeUrl) as err:
        check_media_url("https://me:hunter2@8.8.8.8/a.jpg", PUBLIC_ONLY)
    assert "hunter2" not in str(err.value)


class Counting:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers, self.asked = answers, []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"{host}: no such host")
        return self.answers[host]


def test_stand_in_hosts_are_accepted_without_dns():
    policy = MediaPolicy(stand_in_hosts=("socialsched.dev", "invalid"))
    resolve = Counting({})
    for url in (
        "https://socialsched.dev/a.mp4",
        "https://samples.socialsched.dev/a.mp4",
        "https://unfetchable.invalid/a.jpg",
    ):
        assert check_media_url(url, policy, resolve) == url
    assert resolve.asked == []
    # Only the name and its subdomains: not a look-alike, and never the syntax rules.
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        check_media_url("https://evilsocialsched.dev/a.mp4", policy, resolve)
    with pytest.raises(UnsafeUrl, match="user name or password"):
        check_media_url("https://a:b@x.socialsched.dev/a.mp4", policy, resolve)


def test_every_address_of_a_name_must_be_public():
    resolve = Counting({"cdn.test": ["8.8.8.8", "10.0.0.5"], "ok.test": ["8.8.4.4", "1.1.1.1"]})
    with pytest.raises(UnsafeUrl, match=r"cdn.test resolves to 10\.0\.0\.5, not a public"):
        check_media_url("https://cdn.test/a.jpg", PUBLIC_ONLY, resolve)
    assert connectable_addresses("ok.test", PUBLIC_ONLY, resolve) == ["8.8.4.4", "1.1.1.1"]
    with pytest.raises(OSError):
        connectable_addresses("gone.test", PUBLIC_ONLY, resolve)


def test_private_networks_allow_exactly_what_they_name():
    local = MediaPolicy.from_env({"SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "127.0.0.1/32, fd00::/8"})
    assert check_media_url("http://127.0.0.1:8000/a.jpg", local)
    assert check_media_url("http://[::ffff:127.0.0.1]/a.jpg", local)  # the same address
    assert check_media_url("http://[fd00::5]/a.jpg", local)
    with pytest.raises(UnsafeUrl, match=r"127\.0\.0\.2"):
        check_media_url("http://127.0.0.2/a.jpg", local)
    with pytest.raises(UnsafeUrl, match="link-local"):
        check_media_url("http://169.254.169.254/a.jpg", local)


def test_a_caching_resolver_asks_once_per_host():
    inner = Counting({"cdn.test": ["8.8.8.8"]})
    resolve = CachingResolver(inner)
    for n in range(5):
        check_media_url(f"https://cdn.test/{n}.jpg", PUBLIC_ONLY, resolve)
        with pytest.raises(UnsafeUrl, match="does not resolve"):
            check_media_url(f"https://gone.test/{n}.jpg", PUBLIC_ONLY, resolve)
    assert inner.asked == ["cdn.test", "gone.test"]


def test_settings_from_the_environment():
    policy = MediaPolicy.from_env({
        "SOCIALSCHED_MEDIA_STAND_IN_HOSTS": " Example.COM, invalid. ,,socialsched.dev",
        "SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": "127.0.0.0/8,::1/128",
    })  # fmt: skip
    assert policy.stand_in_hosts == ("example.com", "invalid", "socialsched.dev")
    assert policy.private_networks == (
        ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"),
    )  # fmt: skip
    assert MediaPolicy.from_env({}) == MediaPolicy()  # nothing allowed unless configured


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SOCIALSCHED_MEDIA_STAND_IN_HOSTS", "*.invalid", "'*.invalid' is not a host name"),
        ("SOCIALSCHED_MEDIA_STAND_IN_HOSTS", "https://cdn.example.com", "is not a host name"),
        ("SOCIALSCHED_MEDIA_STAND_IN_HOSTS", "127.0.0.1", "is not a host name"),
        ("SOCIALSCHED_MEDIA_PRIVATE_NETWORKS", "127.0.0.1/8", "has host bits set"),
        ("SOCIALSCHED_MEDIA_PRIVATE_NETWORKS", "localhost", "'localhost' is not a network"),
        ("SOCIALSCHED_MEDIA_PRIVATE_NETWORKS", "10.0.0.0/33", "is not a network"),
    ],
)
def test_bad_settings_are_clear_errors(name, value, says):
    with pytest.raises(MediaPolicyError) as err:
        MediaPolicy.from_env({name: value})
    assert str(err.value).startswith(f"{name}: ") and says in str(err.value)


def test_literals_in_every_notation():
    forms = ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "127.1", "127.0.1"]
    assert {str(parse_ip_literal(f)) for f in forms} == {"127.0.0.1"}
    for name in ("cdn.example.com", "0x7f.example", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "x"):
        assert parse_ip_literal(name) is None, name
    assert address_refusal(ipaddress.ip_address("8.8.8.8")) is None
    assert address_refusal(ipaddress.ip_address("198.18.0.1")) == "private"  # benchmarking
