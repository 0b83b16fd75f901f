"""The daily publishing report: per platform and account, what was due on a UTC day and what
came of it (published, failed, missed), how late, and which errors got in the way.

A target belongs to the day it was DUE, not the day it was attempted: "what happened to
Tuesday's posts" is the question, and a Tuesday post published by Wednesday's backfill counts
for Tuesday. Lateness uses the same percentile as the lateness health check, so the report and
the check agree on the same data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.states import TargetStatus
from ..publishing.summary import percentile
from ..store.models import Account, PostTarget, PublishAttempt
from .tables import to_markdown_table
from .tables import write as write_table

__all__ = ["COLUMNS", "PublishingReport", "build_report", "to_markdown_table", "write"]

S = TargetStatus
PENDING = frozenset({S.SCHEDULED.value, S.PUBLISHING.value, S.HELD.value})
TOP_ERRORS = 3
COLUMNS = [
    "platform", "account", "account_id", "due", "published", "failed", "missed", "pending",
    "cancelled", "success_rate", "lateness_p50_s", "lateness_p95_s", "lateness_max_s",
    "top_errors",
]  # fmt: skip

_TARGET_COLUMNS = (
    PostTarget.id, PostTarget.platform, PostTarget.account_id, Account.handle,
    PostTarget.status, PostTarget.due_at, PostTarget.published_at, PostTarget.error_kind,
)  # fmt: skip


@dataclass(frozen=True)
class PublishingReport:
    day: date
    table: pd.DataFrame  # one row per (platform, account), COLUMNS
    totals: dict[str, float | int | None] = field(default_factory=dict)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def build_report(session: Session, day: date) -> PublishingReport:
    start, end = day_bounds(day)
    due_that_day = (PostTarget.due_at >= start, PostTarget.due_at < end)
    targets = session.execute(
        select(*_TARGET_COLUMNS)
        .join(Account, Account.id == PostTarget.account_id)
        .where(*due_that_day)
    ).all()
    attempts = session.execute(
        select(PublishAttempt.target_id, PublishAttempt.error_kind)
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(*due_that_day, PublishAttempt.error_kind.is_not(None))
    ).all()
    kinds_by_target: dict[int, list[str]] = {}
    for target_id, kind in attempts:
        kinds_by_target.setdefault(target_id, []).append(kind)

    groups: dict[tuple[str, int], list] = {}
    for t in targets:
        groups.setdefault((t.platform, t.account_id), []).append(t)
    rows = [_row(rows, kinds_by_target) for _, rows in sorted(groups.items())]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return PublishingReport(day, table, _totals(targets))


def _row(targets: list, kinds_by_target: dict[int, list[str]]) -> dict:
    statuses = Counter(t.status for t in targets)
    published, failed, missed = (statuses[s.value] for s in (S.PUBLISHED, S.FAILED, S.MISSED))
    lateness = _lateness(targets)
    errors = _error_counts(targets, kinds_by_target)
    first = targets[0]
    return {
        "platform": first.platform,
        "account": first.handle,
        "account_id": first.account_id,
        "due": len(targets),
        "published": published,
        "failed": failed,
        "missed": missed,
        "pending": sum(n for s, n in statuses.items() if s in PENDING),
        "cancelled": statuses[S.CANCELLED.value],
        "success_rate": _rate(published, published + failed + missed),
        "lateness_p50_s": _round(percentile(lateness, 50)),
        "lateness_p95_s": _round(percentile(lateness, 95)),
        "lateness_max_s": _round(max(lateness) if lateness else None),
        "top_errors": ", ".join(f"{k} x{n}" for k, n in _top(errors)),
    }


def _error_counts(targets: list, kinds_by_target: dict[int, list[str]]) -> Counter:
    """Every failed call counts (a retried rate limit is still a rate limit), and so does a
    target's own error kind when no call recorded it (held for re-authorisation, cut off as
    missed): what stopped a post is counted once, wherever it was written down."""
    counts: Counter[str] = Counter()
    for t in targets:
        called = kinds_by_target.get(t.id, [])
        counts.update(called)
        if t.error_kind and t.status != S.PUBLISHED.value and t.error_kind not in called:
            counts[t.error_kind] += 1
    return counts


def _top(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ERRORS]


def _lateness(targets: list) -> list[float]:
    return [
        (t.published_at - t.due_at).total_seconds()
        for t in targets
        if t.status == S.PUBLISHED.value and t.published_at is not None
    ]


def _totals(targets: list) -> dict[str, float | int | None]:
    statuses = Counter(t.status for t in targets)
    published, failed, missed = (statuses[s.value] for s in (S.PUBLISHED, S.FAILED, S.MISSED))
    lateness = _lateness(targets)
    return {
        "due": len(targets),
        "published": published,
        "failed": failed,
        "missed": missed,
        "success_rate": _rate(published, published + failed + missed),
        # Over every published target of the day, not an average of the per-account figures.
        "lateness_p50_s": _round(percentile(lateness, 50)),
        "lateness_p95_s": _round(percentile(lateness, 95)),
        "lateness_max_s": _round(max(lateness) if lateness else None),
    }


def _rate(part: int, whole: int) -> float | None:
    # Nothing settled yet (all pending or cancelled): no rate, rather than a misleading 0 or 1.
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def write(df: pd.DataFrame, directory: str | Path, day: date | None = None):
    """`publishing_report_<day>.csv` (and `.parquet` when an engine is installed)."""
    name = f"publishing_report_{day.isoformat()}" if day else "publishing_report"
    return write_table(df, directory, name)
