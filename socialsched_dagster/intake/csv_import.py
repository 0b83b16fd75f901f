"""Bulk import of posts from CSV: every row validated first, then all or nothing.

Rows are numbered as a spreadsheet shows them (the header is row 1, blank lines count; see
csv_reader), so a user can jump straight to the cell an error names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.content import PostContent
from ..domain.scheduling import UTC, ScheduleError, parse_schedule_time
from .csv_reader import MAX_ERRORS_SHOWN, CsvRow, ImportRejected, RowError, read_rows
from .post_request import (
    FieldError,
    InvalidPost,
    KnownAccount,
    PostRequest,
    content_from_fields,
    idempotency_key,
    parse_post,
)

__all__ = [
    "MAX_ERRORS_SHOWN",
    "CsvRow",
    "ImportPlan",
    "ImportRejected",
    "RowError",
    "chunks",
    "plan_import",
    "read_rows",
]


@dataclass
class ImportPlan:
    """What an import would do. `new` are validated and ready to insert."""

    rows: int = 0
    new: list[PostRequest] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # row numbers already imported

    @property
    def targets(self) -> int:
        return sum(len(r.account_ids) for r in self.new)


def plan_import(
    rows: Sequence[Mapping[str, str]],
    *,
    known_accounts: Mapping[str, KnownAccount],
    already_imported: Callable[[list[str]], Mapping[str, tuple[str, datetime]]],
    now: datetime,
    progress: Callable[[int], None] = lambda _n: None,
    check_urls: Callable[[PostContent], list[FieldError]] | None = None,
) -> ImportPlan:
    """Validate every row; raise ImportRejected listing every problem, or return the plan.

    Rows from `read_rows` carry the number a spreadsheet shows; plain mappings are taken as
    consecutive rows after a header on row 1. `check_urls` is passed on to `parse_post`."""
    keys = [idempotency_key(r) for r in rows]
    stored = already_imported(sorted(set(keys)))
    plan, errors = ImportPlan(rows=len(rows)), []
    first_row_of: dict[str, int] = {}
    for index, (fields, key) in enumerate(zip(rows, keys, strict=True)):
        row_no = getattr(fields, "number", index + 2)
        progress(1)
        if key in first_row_of:
            errors.append(
                RowError(row_no, "external_ref", f"{key!r} repeats row {first_row_of[key]}")
            )
            continue
        first_row_of[key] = row_no
        if key in stored:
            # Already imported: recognised by key alone, so a re-import never fails on times
            # that have passed since. An explicit ref with new content is a conflict, though.
            if fields.get("external_ref", "").strip() and _changed(fields, stored[key]):
                errors.append(
                    RowError(
                        row_no, "external_ref", f"{key!r} was imported before with other content"
                    )
                )
            else:
                plan.unchanged.append(row_no)
            continue
        try:
            plan.new.append(
                parse_post(fields, known_accounts=known_accounts, now=now, check_urls=check_urls)
            )
        except InvalidPost as exc:
            errors.extend(RowError(row_no, e.field, e.reason) for e in exc.errors)
    if errors:
        raise ImportRejected(errors)
    return plan


def _changed(fields: Mapping[str, str], stored: tuple[str, datetime]) -> bool:
    """Whether a row with an explicit ref differs from what was imported under that ref.

    Compared without the past-time rule: the stored post may well be due by now."""
    digest, stored_at = stored
    content, problems = content_from_fields(fields)
    if problems or content.fingerprint() != digest:
        return True
    if (fields.get("scheduled_at") or "").strip().lower() == "now":
        return False
    try:
        when = parse_schedule_time(
            fields.get("scheduled_at", ""),
            fields.get("timezone", ""),
            now=datetime.min.replace(tzinfo=UTC),
        )
    except ScheduleError:
        return True
    return when != stored_at


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
