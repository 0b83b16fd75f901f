"""From the fields a person typed (CLI flags or a CSV row) to a validated post request.

The CLI and the CSV import share this, so a post is accepted or refused by the same rules
however it arrives. Every problem is reported against the field it came from.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ..domain.content import Media, PostContent
from ..domain.field_limits import (
    MAX_EXTERNAL_REF,
    MAX_OWNER,
    MAX_TEXT,
    MAX_THREAD_SEGMENTS,
    MAX_TIMEZONE,
    MAX_TITLE,
    MAX_URL,
)
from ..domain.handles import handle_key, has_control
from ..domain.platforms import Platform
from ..domain.post_requests import KnownAccount, PostRequest
from ..domain.scheduling import MAX_AHEAD, ScheduleError, parse_schedule_time
from ..domain.states import AccountStatus
from ..platforms.registry import content_errors, spec

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
    "thread",
)
REQUIRED = ("scheduled_at", "timezone", "accounts")
_LIST_SPLIT = re.compile(r"[;|\s]+")
# Bounds no platform rule covers (a YouTube-only post's text, a label): the same verdict on
# SQLite, which stores anything, and PostgreSQL, which refuses with a raw error.
_MAX_CHARS = {
    "scheduled_at": 64,
    "timezone": MAX_TIMEZONE,
    "accounts": MAX_TEXT,
    "text": MAX_TEXT,
    "title": MAX_TITLE,
    "description": MAX_TEXT,
    "link": MAX_URL,
    "media": MAX_TEXT,
    "external_ref": MAX_EXTERNAL_REF,
    "owner": MAX_OWNER,
    "thread": MAX_TEXT,
}
# Fields that are labels, not prose: no control characters, and line breaks or tabs only where
# they separate the items of a list.
_LABELS = ("scheduled_at", "timezone", "accounts", "link", "media", "external_ref", "owner")
_LIST_BREAKS = {"accounts": "\t\n\r", "media": "\t\n\r"}


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class InvalidPost(ValueError):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def idempotency_key(fields: Mapping[str, str]) -> str:
    """The caller's external_ref, or a hash of the raw fields: the same row imported twice
    maps to the same key even without a ref, and never needs re-validating to be recognised."""
    ref = (fields.get("external_ref") or "").strip()
    if ref:
        return ref
    raw = {f: (fields.get(f) or "").strip() for f in FIELDS if f != "external_ref"}
    if not raw["thread"]:
        del raw["thread"]  # a column added later: the keys of rows without it never change
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest}"


def normalize_ref(ref: str) -> str:
    """`Instagram:@Acme` and `instagram:acme` name the same account (domain/handles.py)."""
    platform, _, handle = ref.partition(":")
    return f"{platform.strip().lower()}:{handle_key(handle)}"


def field_errors(get: Mapping[str, str]) -> list[FieldError]:
    """Characters and lengths no field may have, whatever the platform: checked before anything
    else reads the field, so a NUL byte never reaches a parser or the database."""
    errors = []
    for name in FIELDS:
        value = get[name]
        if "\x00" in value:
            errors.append(FieldError(name, "contains a NUL byte (\\x00): remove it"))
        elif name in _LABELS and has_control(value, allowed=_LIST_BREAKS.get(name, "")):
            errors.append(FieldError(name, "contains a control character: remove it"))
        elif len(value) > _MAX_CHARS[name]:
            errors.append(
                FieldError(name, f"is {len(value):,} characters, at most {_MAX_CHARS[name]:,}")
            )
    return errors


def split_list(value: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(value.strip()) if item]


# A thread's segments are separated by a line holding only `---` (Markdown's rule).
THREAD_BREAK = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)


def split_thread(value: str) -> list[str]:
    """The segments after the first, as written in the `thread` field."""
    return [segment.strip() for segment in THREAD_BREAK.split(value)] if value.strip() else []


def content_from_fields(fields: Mapping[str, str]) -> tuple[PostContent, list[FieldError]]:
    errors: list[FieldError] = []
    thread = split_thread(fields.get("thread") or "")
    for n, segment in enumerate(thread, start=2):
        if not segment:
            errors.append(FieldError("thread", f"segment {n} is empty: remove the extra ---"))
    if len(thread) + 1 > MAX_THREAD_SEGMENTS:
        errors.append(
            FieldError(
                "thread",
                f"{len(thread) + 1} segments, at most {MAX_THREAD_SEGMENTS}: split the thread",
            )
        )
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
        thread=tuple(PostContent(text=segment) for segment in thread),
    )
    return content, errors


def thread_errors(platform: Platform, content: PostContent) -> list[FieldError]:
    """A thread goes only where replies can chain it; each segment meets the platform's rules."""
    if not content.thread:
        return []
    if not spec(platform).supports_threads:
        return [
            FieldError(
                "thread",
                f"{platform.value}: does not take threads of posts: post the segments "
                "separately, or leave this account out",
            )
        ]
    return [
        FieldError("thread", f"{platform.value}: segment {n}: {problem.reason}")
        for n, segment in enumerate(content.thread, start=2)
        for problem in content_errors(platform, segment)
    ]


def parse_post(
    fields: Mapping[str, str],
    *,
    known_accounts: Mapping[str, KnownAccount],
    now: datetime,
    check_urls: Callable[[PostContent], list[FieldError]] | None = None,
) -> PostRequest:
    """`check_urls` vets media and link URLs beyond their syntax (where they resolve): the
    CLI and the import pass the configured policy's check."""
    get = {f: (fields.get(f) or "").strip() for f in FIELDS}
    errors = field_errors(get)
    if errors:
        # A field with a NUL byte or of absurd length is not parsed any further: the verdict
        # is about the bytes, and the same on every database.
        raise InvalidPost(errors)
    for name in REQUIRED:
        if not get[name]:
            errors.append(FieldError(name, "is required"))

    content, content_problems = content_from_fields(get)
    errors.extend(content_problems)
    if check_urls is not None and not content_problems:
        errors.extend(check_urls(content))

    scheduled_at = None
    if get["scheduled_at"] and get["timezone"]:
        try:
            scheduled_at = parse_schedule_time(get["scheduled_at"], get["timezone"], now=now)
            if scheduled_at - now > MAX_AHEAD:
                raise ScheduleError(
                    f"{get['scheduled_at']} is more than {MAX_AHEAD.days // 365} years ahead: "
                    "check the year"
                )
        except ScheduleError as exc:
            field = "timezone" if str(exc).startswith("unknown time zone") else "scheduled_at"
            errors.append(FieldError(field, str(exc)))

    account_ids: list[int] = []
    held: set[int] = set()
    platforms_seen: set[Platform] = set()
    first_ref_of: dict[int, str] = {}
    refs = split_list(get["accounts"])
    if get["accounts"] and not refs:
        errors.append(FieldError("accounts", "names no account (write platform:handle)"))
    for ref in dict.fromkeys(refs):
        account = known_accounts.get(normalize_ref(ref))
        if account is None:
            errors.append(FieldError("accounts", f"no account {ref!r} (write platform:handle)"))
            continue
        if account.id in first_ref_of:
            # Two spellings of one account: one target, or the user meant another account.
            errors.append(
                FieldError(
                    "accounts", f"{ref!r} names the same account as {first_ref_of[account.id]!r}"
                )
            )
            continue
        first_ref_of[account.id] = ref
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
        errors.extend(thread_errors(platform, content))

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
