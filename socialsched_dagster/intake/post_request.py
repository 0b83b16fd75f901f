"""From the fields a person typed (CLI flags or a CSV row) to a validated post request.

The CLI and the CSV import share this, so a post is accepted or refused by the same rules
however it arrives. Every problem is reported against the field it came from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..domain.content import Media, PostContent
from ..domain.platforms import Platform
from ..domain.scheduling import ScheduleError, parse_schedule_time
from ..domain.states import AccountStatus
from ..domain.validation import content_errors

FIELDS = (
    "scheduled_at",
    "timezone",
    "accounts",
    "text",
    "title",
    "description",
    "link",
    "media",
    "external_ref",
    "owner",
)
REQUIRED = ("scheduled_at", "timezone", "accounts")
_LIST_SPLIT = re.compile(r"[;|\s]+")


@dataclass(frozen=True)
class KnownAccount:
    id: int
    platform: Platform
    status: str


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class InvalidPost(ValueError):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PostRequest:
    content: PostContent
    scheduled_at: datetime
    timezone: str
    account_ids: tuple[int, ...]
    held_account_ids: frozenset[int]  # accounts awaiting re-authorisation: targets start held
    owner: str | None
    external_ref: str


def idempotency_key(fields: Mapping[str, str]) -> str:
    """The caller's external_ref, or a hash of the raw fields: the same row imported twice
    maps to the same key even without a ref, and never needs re-validating to be recognised."""
    ref = (fields.get("external_ref") or "").strip()
    if ref:
        return ref
    raw = {f: (fields.get(f) or "").strip() for f in FIELDS if f != "external_ref"}
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest}"


def normalize_ref(ref: str) -> str:
    """`Instagram:@Acme` and `instagram:acme` name the same account."""
    platform, _, handle = ref.partition(":")
    return f"{platform.strip().lower()}:{handle.strip().lstrip('@').lower()}"


def split_list(value: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(value.strip()) if item]


def content_from_fields(fields: Mapping[str, str]) -> tuple[PostContent, list[FieldError]]:
    errors: list[FieldError] = []
    media: list[Media] = []
    for item in split_list(fields.get("media") or ""):
        try:
            media.append(Media.parse(item))
        except ValueError as exc:
            errors.append(FieldError("media", str(exc)))
    content = PostContent(
        text=(fields.get("text") or "").strip(),
        title=(fields.get("title") or "").strip(),
        description=(fields.get("description") or "").strip(),
        link=(fields.get("link") or "").strip(),
        media=tuple(media),
    )
    return content, errors


def parse_post(
    fields: Mapping[str, str], *, known_accounts: Mapping[str, KnownAccount], now: datetime
) -> PostRequest:
    errors: list[FieldError] = []
    get = {f: (fields.get(f) or "").strip() for f in FIELDS}
    for name in REQUIRED:
        if not get[name]:
            errors.append(FieldError(name, "is required"))

    content, content_problems = content_from_fields(get)
    errors.extend(content_problems)

    scheduled_at = None
    if get["scheduled_at"] and get["timezone"]:
        try:
            scheduled_at = parse_schedule_time(get["scheduled_at"], get["timezone"], now=now)
        except ScheduleError as exc:
            field = "timezone" if str(exc).startswith("unknown time zone") else "scheduled_at"
            errors.append(FieldError(field, str(exc)))

    account_ids: list[int] = []
    held: set[int] = set()
    platforms_seen: set[Platform] = set()
    for ref in dict.fromkeys(split_list(get["accounts"])):
        account = known_accounts.get(normalize_ref(ref))
        if account is None:
            errors.append(FieldError("accounts", f"no account {ref!r} (write platform:handle)"))
            continue
        if account.status == AccountStatus.DISABLED.value:
            errors.append(FieldError("accounts", f"account {ref} is disabled"))
            continue
        if account.status == AccountStatus.REAUTH_REQUIRED.value:
            held.add(account.id)
        account_ids.append(account.id)
        platforms_seen.add(account.platform)
    for platform in sorted(platforms_seen, key=lambda p: p.value):
        for problem in content_errors(platform, content):
            errors.append(FieldError(problem.field, f"{platform.value}: {problem.reason}"))

    if errors:
        raise InvalidPost(errors)
    assert scheduled_at is not None
    return PostRequest(
        content=content,
        scheduled_at=scheduled_at,
        timezone=get["timezone"],
        account_ids=tuple(account_ids),
        held_account_ids=frozenset(held),
        owner=get["owner"] or None,
        external_ref=idempotency_key(fields),
    )
