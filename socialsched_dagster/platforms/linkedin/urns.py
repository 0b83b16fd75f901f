"""LinkedIn's URNs: the author of a post is the account (`urn:li:person:<id>` for a member,
`urn:li:organization:<id>` for a company page), a post is `urn:li:share:<n>` or
`urn:li:ugcPost:<n>`, an uploaded image `urn:li:image:<id>`. In a path a URN is percent-encoded
whole (its colons included), as Rest.li 2.0 requires."""

from __future__ import annotations

import re
from urllib.parse import quote

from ...domain.errors import ErrorKind, PublishError

PERSON, ORGANIZATION = "person", "organization"
ACCOUNT_HELP = (
    "the author URN: urn:li:organization:<id> for a company page (its numeric id), "
    "urn:li:person:<id> for a member (the `sub` of /v2/userinfo)"
)
_AUTHOR = re.compile(r"^urn:li:(?:(person):([A-Za-z0-9_-]+)|(organization):(\d+))$")
POST = re.compile(r"\burn:li:(?:share|ugcPost):\d+\b")
IMAGE_PREFIX = "urn:li:image:"


def author_kind(urn: str) -> str:
    """PERSON or ORGANIZATION; PublishError(VALIDATION) for anything else."""
    found = _AUTHOR.match(urn)
    if found is None:
        raise PublishError(
            ErrorKind.VALIDATION,
            f"LinkedIn account id {urn!r} is not an author URN: add the account again with "
            f"--external-id set to {ACCOUNT_HELP}",
            "author_urn",
        )
    return PERSON if found.group(1) else ORGANIZATION


def is_post(urn: str) -> bool:
    return bool(POST.fullmatch(urn))


def quoted(urn: str) -> str:
    return quote(urn, safe="")
