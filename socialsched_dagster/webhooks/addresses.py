"""Where an event webhook may point: the public internet only.

We make the requests, so a webhook URL naming 127.0.0.1, 10.0.0.5 or the cloud metadata address
would let any workspace admin make us call into our own network. Checked twice, as media fetches
are (security/public_urls.py, security/media_fetch.py): when the webhook is created (an address,
or every address the host resolves to, must be public; a host that does not resolve yet cannot be
judged and is left to the next check) and at every connection a delivery makes (DNS may answer
differently by then); redirects are never followed.

A test's local receiver is reached through `SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS` (CIDRs,
comma-separated), empty in production.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..domain.web_urls import display_url, web_url_problem
from ..security import public_urls
from ..security.public_urls import IPNetwork, MediaPolicy, Resolve, UnsafeUrl, system_resolve

PRIVATE_NETWORKS_ENV = "SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS"
MAX_WEBHOOK_URL = 2048  # the column's size (store/models.py MAX_URL)


class WebhookUrlError(ValueError):
    """A webhook URL we will not call; the message is for the admin who gave it."""


def parse_networks(raw: str) -> tuple[IPNetwork, ...]:
    return public_urls.parse_networks(raw, PRIVATE_NETWORKS_ENV)


def connection_policy(private_networks: tuple[IPNetwork, ...]) -> MediaPolicy:
    """The address policy of the media guard, with no stand-in hosts: every webhook is real."""
    return MediaPolicy(stand_in_hosts=(), private_networks=tuple(private_networks))


def check_webhook_url(
    url: str, private_networks: tuple[IPNetwork, ...] = (), resolve: Resolve = system_resolve
) -> str:
    """`url`, stripped, when a webhook may be created with it; WebhookUrlError saying why not."""
    url = url.strip()
    shown = display_url(url)
    if len(url) > MAX_WEBHOOK_URL:
        raise WebhookUrlError(f"the webhook URL is longer than {MAX_WEBHOOK_URL} characters")
    problem = web_url_problem(url)
    if problem:
        raise WebhookUrlError(f"webhook URL {shown!r} {problem}")
    if urlsplit(url).fragment:
        raise WebhookUrlError(f"webhook URL {shown!r} has a #fragment, which is never sent")
    host = urlsplit(url).hostname or ""
    try:
        public_urls.public_addresses(host, private_networks, resolve)
    except UnsafeUrl as exc:
        raise WebhookUrlError(f"webhook URL {shown!r} is refused: {exc}") from None
    except (OSError, UnicodeError):
        # Not judged yet: the receiver's DNS may not be live when its webhook is set up. Every
        # connection is checked again (a host that turns out internal is refused then, and the
        # delivery log says the host does not resolve while it does not).
        pass
    return url
