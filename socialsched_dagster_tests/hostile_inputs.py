"""Hostile and malformed input, as data: every entry point (`posts schedule`, `posts import`,
`accounts add`, and later the HTTP API) must give each the verdict written here, on every
database. A case names the field its error must blame and words the message must contain; a
case with `field=None` must be accepted.

The accounts the cases name are the `accounts` fixture's: instagram:shop, facebook:page and
youtube:channel. Media hosts under example.com are configured as the tests' stand-in hosts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BASE = {
    "scheduled_at": "2030-01-01 10:00",
    "timezone": "UTC",
    "accounts": "facebook:page",
    "text": "hello",
}
JPG = "https://cdn.example.com/a.jpg"
MP4 = "https://cdn.example.com/v.mp4"


@dataclass(frozen=True)
class PostCase:
    id: str
    fields: dict[str, str]
    field: str | None  # the field the error names; None: accepted
    says: str = ""
    # The account refs the accepted post must reach (the wrong-account defect).
    reaches: tuple[str, ...] = ()
    # argv cannot carry a NUL byte: such input only arrives in files (and over HTTP).
    in_argv: bool = True


def post(case_id: str, field_name: str | None, says: str = "", **fields: str) -> PostCase:
    reaches = tuple(fields.pop("reaches", "").split()) if "reaches" in fields else ()
    in_argv = not any("\x00" in v for v in fields.values())
    return PostCase(case_id, {**BASE, **fields}, field_name, says, reaches, in_argv)


# fmt: off
POST_CASES = [
    # Accounts: every spelling of one handle reaches that account, and only it.
    post("handle-spelling", None, accounts="Facebook:@PAGE", reaches="facebook:page"),
    post("handle-spaces", None, accounts="  facebook:@Page  ", reaches="facebook:page"),
    post(
        "same-account-twice",
        "accounts",
        "names the same account as 'facebook:page'",
        accounts="facebook:page;Facebook:@PAGE",
    ),
    post("no-account-named", "accounts", "names no account", accounts=";;"),
    post("unknown-account", "accounts", "no account 'facebook:other'", accounts="facebook:other"),
    post("handle-too-long", "accounts", "no account", accounts="facebook:" + "p" * 200),
    # Lengths the database would refuse (PostgreSQL) or store blindly (SQLite).
    post("owner-too-long", "owner", "is 300 characters, at most 128", owner="o" * 300),
    post("ref-too-long", "external_ref", "is 300 characters, at most 255", external_ref="r" * 300),
    post("title-too-long", "title", "is 300 characters, at most 200", title="t" * 300),
    post("facebook-text-too-long", "text", "at most 63,206", text="x" * 63_207),
    post("facebook-text-at-limit", None, text="x" * 63_206),
    # Characters no field may hold.
    post("nul-in-text", "text", "NUL byte", text="a\x00b"),
    post("nul-in-owner", "owner", "NUL byte", owner="me\x00"),
    post("nul-in-timezone", "timezone", "NUL byte", timezone="UTC\x00"),
    post("nul-in-ref", "external_ref", "NUL byte", external_ref="ref\x00x"),
    post("escape-in-owner", "owner", "control character", owner="a\x1b[2Jb"),
    post("newline-in-ref", "external_ref", "control character", external_ref="a\nb"),
    # Links and media: web addresses only, and media only on public hosts.
    post("javascript-link", "link", "javascript", link="javascript:alert(1)"),
    post("javascript-media", "media", "javascript", media="javascript:alert(1)//.jpg"),
    post("file-media", "media", "file", media="file:///etc/passwd.jpg"),
    post(
        "metadata-address",
        "media",
        "not a public address",
        media="http://169.254.169.254/latest/meta-data/x.jpg",
    ),
    post("loopback-media", "media", "not a public address", media="http://127.0.0.1:9/v.jpg"),
    post("decimal-loopback", "media", "not a public address", media="http://2130706433/x.jpg"),
    post("private-network", "media", "not a public address", media="https://10.0.0.7/x.jpg"),
    post(
        "mapped-loopback", "media", "not a public address", media="http://[::ffff:127.0.0.1]/x.jpg"
    ),
    post(
        "unresolvable-host",
        "media",
        "does not resolve",
        media="https://no-such-host.socialsched-nowhere.net/x.jpg",
    ),
    post("credentials-in-url", "media", "password", media="https://u:p@cdn.example.com/x.jpg"),
    # Platform rules, from the platforms' documentation.
    post(
        "instagram-png",
        "media",
        "only JPG, JPEG",
        accounts="instagram:shop",
        media="https://cdn.example.com/a.png",
    ),
    post(
        "instagram-caption", "text", "2,200", accounts="instagram:shop", media=JPG, text="c" * 2201
    ),
    post(
        "instagram-carousel",
        "media",
        "2-10 items",
        accounts="instagram:shop",
        media=" ".join(f"https://cdn.example.com/{n}.jpg" for n in range(11)),
    ),
    post(
        "youtube-title",
        "title",
        "at most 100",
        accounts="youtube:channel",
        media=MP4,
        title="t" * 101,
    ),
    post(
        "youtube-description-bytes",
        "description",
        "5,000",
        accounts="youtube:channel",
        media=MP4,
        title="ok",
        description="é" * 2501,
    ),
    post(
        "youtube-angle-brackets",
        "title",
        "'<' or '>'",
        accounts="youtube:channel",
        media=MP4,
        title="<script>",
    ),
    # Times.
    post("unknown-zone", "timezone", "unknown time zone", timezone="Mars/Olympus"),
    post("past-time", "scheduled_at", "past", scheduled_at="2020-01-01 10:00"),
    post(
        "dst-gap",
        "scheduled_at",
        "does not exist",
        scheduled_at="2030-03-31 02:30",
        timezone="Europe/Berlin",
    ),
    # Accepted as text: report files neutralise it (reports/tables.py), intake keeps it.
    post("formula-caption", None, text='=HYPERLINK("https://evil.example.com","x")'),
]
# fmt: on


@dataclass(frozen=True)
class AccountCase:
    id: str
    options: dict[str, str]
    says: str  # the error; every case here is refused
    extra: dict[str, str] = field(default_factory=dict)


def account(case_id: str, says: str, **options: str) -> AccountCase:
    base = {"platform": "facebook", "external_id": "2000001", "handle": "newpage"}
    return AccountCase(case_id, {**base, **options}, says)


# Against the `accounts` fixture (facebook:page has external id 1000001).
ACCOUNT_CASES = [
    account("handle-case", "already exists", handle="PAGE"),
    account("handle-at", "already exists", handle="@Page"),
    account("handle-fullwidth", "already exists", handle="\uff50\uff41\uff47\uff45"),
    account("external-id-again", "already exists", external_id="1000001"),
    account("empty-handle", "the handle is empty", handle="  "),
    account("at-only-handle", "the handle is empty", handle="@"),
    account("semicolon-handle", "contains ';'", handle="a;b"),
    account("space-handle", "contains a space", handle="two words"),
    account("colon-handle", "contains ':'", handle="a:b"),
    account("control-handle", "control character", handle="a\x1bb"),
    account("long-handle", "at most 100", handle="h" * 200),
    account("empty-external-id", "the external id is empty", external_id=" "),
    account("spaced-external-id", "may not contain spaces", external_id="12 34"),
    account("long-external-id", "at most 128", external_id="9" * 300),
    account("long-owner", "at most 128", owner="o" * 300),
]
