"""The server an account lives on (a Mastodon instance, a Bluesky PDS) is named by the user, and
we call it: its app registration, token and identity requests go there. So it must be on the
public internet, as media hosts and webhooks must (security/public_urls.py), unless the
operator allowed a private network (SOCIALSCHED_OAUTH_PRIVATE_NETWORKS: the demo's sandbox).
Checked when a connection starts and again before the code is redeemed (DNS may change)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..domain.web_urls import display_url, web_url_problem
from ..security.public_urls import IPNetwork, Resolve, UnsafeUrl, public_addresses, system_resolve
from .errors import ConnectFailed


def check_server(
    url: str | None, private_networks: tuple[IPNetwork, ...], resolve: Resolve = system_resolve
) -> str:
    """The server's origin (scheme://host[:port]); ConnectFailed saying what is wrong."""
    url = (url or "").strip().rstrip("/")
    if not url:
        raise ConnectFailed(
            422, "validation_failed", "give `server`: the URL of the account's server"
        )
    problem = web_url_problem(url)
    if problem:
        raise ConnectFailed(422, "validation_failed", f"server {display_url(url)!r} {problem}")
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConnectFailed(
            422, "validation_failed", "server must be the server's address only, e.g. "
            "https://mastodon.social",
        )  # fmt: skip
    host = parts.hostname or ""
    try:
        addresses = public_addresses(host, private_networks, resolve)
    except UnsafeUrl as exc:
        raise ConnectFailed(422, "server_refused", f"server refused: {exc}") from None
    except (OSError, UnicodeError):
        raise ConnectFailed(
            422, "server_refused", f"server {host} does not resolve; check the spelling"
        ) from None
    # Plain http only to the operator's own allowed networks (the demo's sandbox).
    if parts.scheme != "https" and not all(_in(a, private_networks) for a in addresses):
        raise ConnectFailed(422, "validation_failed", "server must be an https:// address")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _in(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return any(ip in n for n in networks if ip.version == n.version)
