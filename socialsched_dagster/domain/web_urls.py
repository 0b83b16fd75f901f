"""What an http(s) URL we accept looks like, by its text alone (no DNS: that is the security
layer's job, and links are never fetched at all).

Refused: other schemes (`javascript:`, `data:`, `file:`, `ftp:`...), a missing host, a user name
or password in the URL (`https://a@b/` is a classic way to make one host look like another),
whitespace and control or invisible characters, and absurd lengths.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Signed CDN URLs run to a few kilobytes; past this no real media or link URL goes.
MAX_WEB_URL = 8192
# Letters (any script: internationalised names), digits, hyphens, underscores, dots.
_NAME = re.compile(r"^[\w.-]+$")
_SHOWN = 200


def web_url_problem(url: str) -> str | None:
    """Why `url` is not an http:// or https:// URL we accept, or None. Reads as the end of a
    sentence that starts with the URL ("... must start with http:// or https://")."""
    if not url:
        return "is empty"
    if len(url) > MAX_WEB_URL:
        return f"is {len(url):,} characters long, at most {MAX_WEB_URL:,}"
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in url):
        return "contains whitespace or a control character: remove it (or percent-encode it)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a readable URL"
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(
        f"{parts.scheme.lower()}://"
    ):
        return "must start with http:// or https://"
    if "@" in parts.netloc:
        return "must not carry a user name or password (remove the part before '@')"
    if "\\" in parts.netloc:
        return "has a backslash in its host part"
    host = parts.hostname or ""
    if not host:
        return "has no host name"
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number in range)
    except ValueError:
        return "has an invalid port"
    if not (parts.netloc.startswith("[") or _NAME.match(host)):
        return f"has an invalid host name {host!r}"
    return None


def display_url(url: str) -> str:
    """The URL as messages quote it: no query string or fragment (a CDN signature may be in
    them), no user name or password, and not endlessly long."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        shown = f"{parts.scheme}://{host}{parts.path}" if host else url.split("?", 1)[0]
    except ValueError:
        shown = url.split("?", 1)[0]
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 3] + "..."
