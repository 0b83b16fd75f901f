"""Bulk import of posts from CSV: every row validated first, then all or nothing.

Rows are numbered as a spreadsheet shows them (the header is row 1, the first post row 2), so
a user can jump straight to the cell an error names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..domain.scheduling import UTC, ScheduleError, parse_schedule_time
from .post_request import (
    FIELDS,
    REQUIRED,
    InvalidPost,
    KnownAccount,
    PostRequest,
    content_from_fields,
    idempotency_key,
    parse_post,
)

MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportRejected(ValueError):
    """The file as a whole is refused; nothing was written."""

    def __init__(self, errors: list[RowError] | str):
        self.errors = [] if isinstance(errors, str) else errors
        if isinstance(errors, str):
            message = errors
        else:
            shown = "\n".join(f"  {e}" for e in errors[:MAX_ERRORS_SHOWN])
            more = len(errors) - MAX_ERRORS_SHOWN
            tail = f"\n  ... and {more} more" if more > 0 else ""
            rows = len({e.row for e in errors})
            message = (
                f"{len(errors)} problem(s) in {rows} row(s); nothing was imported:\n{shown}{tail}"
            )
        super().__init__(message)


@dataclass
class ImportPlan:
    """What an import would do. `new` are validated and ready to insert."""

    rows: int = 0
    new: list[PostRequest] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # row numbers already imported

    @property
    def targets(self) -> int:
        return sum(len(r.account_ids) for r in self.new)


def read_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if not raw.strip():
        optional = ", ".join(c for c in FIELDS if c not in REQUIRED)
        raise ImportRejected(
            f"{path.name} is empty: expected a header row with the columns "
            f"{', '.join(REQUIRED)} (and optionally {optional})"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            f"{path.name} is not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} cannot be read. "
            "Save the file as 'CSV UTF-8' and import again"
        ) from None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ImportRejected(f"{path.name} is not a well-formed CSV file: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    unknown = [c for c in frame.columns if c not in FIELDS]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise ImportRejected(
            f"{path.name}: {'; '.join(parts)}; the columns are {', '.join(FIELDS)}"
        )
    if frame.empty:
        raise ImportRejected(f"{path.name} has a header but no posts")
    return frame.to_dict(orient="records")


def plan_import(
    rows: list[dict[str, str]],
    *,
    known_accounts: Mapping[str, KnownAccount],
    already_imported: Callable[[list[str]], Mapping[str, tuple[str, datetime]]],
    now: datetime,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportPlan:
    """Validate every row; raise ImportRejected listing every problem, or return the plan."""
    keys = [idempotency_key(r) for r in rows]
    stored = already_imported(sorted(set(keys)))
    plan, errors = ImportPlan(rows=len(rows)), []
    first_row_of: dict[str, int] = {}
    for index, (fields, key) in enumerate(zip(rows, keys, strict=True)):
        row_no = index + 2
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
            plan.new.append(parse_post(fields, known_accounts=known_accounts, now=now))
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
