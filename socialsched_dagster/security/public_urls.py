"""Media URLs must point at the public internet: we fetch them (YouTube downloads the video,
Instagram's media check asks the host), so a URL naming 127.0.0.1, 10.0.0.5 or the cloud
metadata address 169.254.169.254 would make us reach into our own network for whoever wrote it.

Checked twice: at intake (`check_media_url`: the host must resolve and every address it resolves
to must be public) and again at every connection a media fetch makes (`connectable_addresses`,
used by security/media_fetch.py), because DNS may answer differently by then.

Nothing here knows a host by name. The sandbox, the demo and the tests name media on hosts that
do not exist; they say so through `SOCIALSCHED_MEDIA_STAND_IN_HOSTS` (accepted without DNS, never
fetched), and a test's local media server is reached through `SOCIALSCHED_MEDIA_PRIVATE_NETWORKS`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..domain.web_urls import display_url, web_url_problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolve = Callable[[str], list[str]]  # host name -> the addresses it resolves to

STAND_IN_HOSTS_ENV = "SOCIALSCHED_MEDIA_STAND_IN_HOSTS"
PRIVATE_NETWORKS_ENV = "SOCIALSCHED_MEDIA_PRIVATE_NETWORKS"

_HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_BSD_PARTS = (
    (re.compile(r"0[xX]([0-9a-fA-F]*)"), 16),
    (re.compile(r"0([0-7]+)"), 8),
    (re.compile(r"([1-9][0-9]*|0)"), 10),
)


class UnsafeUrl(ValueError):
    """A media URL we will not accept or fetch; the message is for the user."""


class MediaPolicyError(ValueError):
    """A media setting in the environment that cannot be read."""


@dataclass(frozen=True)
class MediaPolicy:
    # Host names (each also covering its subdomains) whose media are stand-ins: accepted at
    # intake without DNS and never fetched. Empty in production.
    stand_in_hosts: tuple[str, ...] = ()
    # Networks a media fetch may reach although they are not public (a test's media server).
    private_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MediaPolicy:
        return cls(
            stand_in_hosts=_stand_in_hosts(env.get(STAND_IN_HOSTS_ENV, "")),
            private_networks=_private_networks(env.get(PRIVATE_NETWORKS_ENV, "")),
        )

    def is_stand_in(self, url: str) -> bool:
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            return False
        return bool(host) and any(
            host == name or host.endswith(f".{name}") for name in self.stand_in_hosts
        )

    def allows(self, address: IPAddress) -> bool:
        return address_refusal(address) is None or any(
            a in n for a in _forms(address) for n in self.private_networks if a.version == n.version
        )


def _stand_in_hosts(raw: str) -> tuple[str, ...]:
    names = []
    for item in (part.strip().lower().rstrip(".") for part in raw.split(",")):
        if not item:
            continue
        if not _HOST_NAME.match(item) or parse_ip_literal(item) is not None:
            raise MediaPolicyError(
                f"{STAND_IN_HOSTS_ENV}: {item!r} is not a host name; give names such as "
                "cdn.example.com, comma-separated (a name also covers its subdomains)"
            )
        names.append(item)
    return tuple(dict.fromkeys(names))


def _private_networks(raw: str) -> tuple[IPNetwork, ...]:
    return parse_networks(raw, PRIVATE_NETWORKS_ENV, MediaPolicyError)


def parse_networks(
    raw: str, setting: str, error: type[ValueError] = ValueError
) -> tuple[IPNetwork, ...]:
    """The comma-separated CIDRs of the environment variable `setting`, each once; `error`
    naming the setting for one that is not a network."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError as exc:
            raise error(
                f"{setting}: {item!r} is not a network ({exc}); give CIDRs such as "
                "127.0.0.0/8, comma-separated"
            ) from None
    return tuple(dict.fromkeys(networks))


# -- which addresses are public ---------------------------------------------------------------


def address_refusal(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("loopback", "private"...), None when public.
    IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address."""
    forms = _forms(address)
    if len(forms) > 1:
        return address_refusal(forms[1])
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.version == 6 and address.is_site_local, "site-local"),
        (address.version == 4 and address in _SHARED, "shared (carrier-grade NAT)"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "non-global"),
    )
    return next((why for refused, why in checks if refused), None)


def _forms(address: IPAddress) -> list[IPAddress]:
    """The address, then any IPv4 address an IPv6 transition form embeds."""
    forms: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            forms.append(address.ipv4_mapped)
        elif address in _NAT64:
            forms.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        elif address.sixtofour is not None:
            forms.append(address.sixtofour)
    return forms


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host part spells, in any notation a resolver would take: IPv6, dotted
    decimal, and the old BSD forms (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`)."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    try:
        numbers = [_bsd_number(p) for p in parts]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    return ipaddress.IPv4Address((value << (8 * (5 - len(parts)))) | last)


def _plain_literal(host: str) -> bool:
    """Whether `host` is an address written the usual way (not in a BSD shorthand)."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _bsd_number(part: str) -> int:
    """One part of an inet_aton address: hex (0x1f), octal (017) or decimal; ValueError else."""
    for pattern, base in _BSD_PARTS:
        match = pattern.fullmatch(part)
        if match:
            return int(match[1] or "0", base)
    raise ValueError(part)


# -- resolving ---------------------------------------------------------------------------------


def system_resolve(host: str) -> list[str]:
    """Every address the system resolver gives for `host`; socket.gaierror when none."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class CachingResolver:
    """Resolves each host once: for intake of many rows (an import) naming the same CDN.
    Never used for fetching, which must ask DNS afresh at every connection."""

    def __init__(self, resolve: Resolve = system_resolve) -> None:
        self._resolve = resolve
        self._answers: dict[str, list[str] | OSError] = {}

    def __call__(self, host: str) -> list[str]:
        if host not in self._answers:
            try:
                self._answers[host] = self._resolve(host)
            except OSError as exc:
                self._answers[host] = exc
        answer = self._answers[host]
        if isinstance(answer, OSError):
            raise answer
        return answer


def connectable_addresses(host: str, policy: MediaPolicy, resolve: Resolve) -> list[str]:
    """The addresses a media fetch to `host` may connect to: everything it resolves to, when
    every one is allowed (one internal address among public ones refuses the host). Raises
    UnsafeUrl naming the first refused address; OSError when the host does not resolve."""
    literal = parse_ip_literal(host)
    answers = [str(literal)] if literal is not None else resolve(host)
    if not answers:
        raise socket.gaierror(f"{host} resolves to no address")
    for answer in answers:
        address = ipaddress.ip_address(answer.split("%", 1)[0])
        if policy.allows(address):
            continue
        verdict = f"not a public address ({address_refusal(address) or 'allowed by no policy'})"
        if literal is None:
            raise UnsafeUrl(f"{host} resolves to {address}, {verdict}")
        if _plain_literal(host):
            raise UnsafeUrl(f"{host} is {verdict}")
        raise UnsafeUrl(f"{host} is {address}, {verdict}")  # 2130706433 is 127.0.0.1, ...
    return answers


# -- intake --------------------------------------------------------------------------------------


def check_media_url(url: str, policy: MediaPolicy, resolve: Resolve = system_resolve) -> str:
    """`url` when it may be accepted as a post's media, else UnsafeUrl saying why. Stand-in
    hosts are taken on their syntax alone; any other host must resolve, to public addresses
    only (or to the policy's private networks)."""
    shown = display_url(url)
    problem = web_url_problem(url)
    if problem:
        raise UnsafeUrl(f"media URL {shown!r} {problem}")
    if policy.is_stand_in(url):
        return url
    host = urlsplit(url).hostname or ""
    try:
        connectable_addresses(host, policy, resolve)
    except UnsafeUrl as exc:
        raise UnsafeUrl(f"media URL {shown!r} is refused: {exc}") from None
    except (OSError, UnicodeError):
        raise UnsafeUrl(
            f"media URL {shown!r}: host {host} does not resolve; check the spelling"
        ) from None
    return url


def public_addresses(
    host: str, private_networks: tuple[IPNetwork, ...], resolve: Resolve = system_resolve
) -> list[str]:
    """The addresses of `host` we may connect to: public ones, or in `private_networks`
    (no stand-in hosts: the host is a real server); UnsafeUrl otherwise, OSError or
    UnicodeError when it does not resolve."""
    policy = MediaPolicy(stand_in_hosts=(), private_networks=tuple(private_networks))
    return connectable_addresses(host, policy, resolve)
