"""The posts a failing check is about, named: in its description (what an alert quotes) and as a
table in its metadata (what the UI shows one click away), with the platform's own message."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import MetadataValue

from ...store.health import ProblemTarget

NAMED_IN_DESCRIPTION = 5  # an alert line stays readable
NAMED_IN_TABLE = 50  # the rest: `socialsched posts list --status failed`
MESSAGE_CHARS = 300


def _message(t: ProblemTarget, limit: int = MESSAGE_CHARS) -> str:
    text = " ".join((t.message or "no message recorded").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line(t: ProblemTarget) -> str:
    code = f" [{t.error_code}]" if t.error_code else ""
    return (
        f"target {t.target_id} (post {t.post_id}, @{t.account}, due {t.due_at:%Y-%m-%d %H:%M} "
        f"UTC) {t.status}{code}: {_message(t, 200)}"
    )


def hint(targets: Sequence[ProblemTarget], total: int) -> str:
    """The first post in a few words, for a description's first line: a digest of several
    check changes quotes only that line."""
    if not targets:
        return ""
    t, more = targets[0], f", +{total - 1} more" if total > 1 else ""
    return f" (target {t.target_id} @{t.account}: {_message(t, 80)}{more})"


def describe(targets: Sequence[ProblemTarget], total: int) -> str:
    """One line per post (the first few), and how many more there are."""
    lines = [line(t) for t in targets[:NAMED_IN_DESCRIPTION]]
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more (see the check's metadata)")
    return "\n".join(lines)


def table(targets: Sequence[ProblemTarget], total: int) -> MetadataValue:
    rows = [
        "| target | post | account | due (UTC) | status | error | platform message |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in targets[:NAMED_IN_TABLE]:
        kind = "/".join(p for p in (t.error_kind, t.error_code) if p) or "-"
        message = _message(t).replace("|", "/")
        rows.append(
            f"| {t.target_id} | {t.post_id} | @{t.account} | {t.due_at:%Y-%m-%d %H:%M:%S} | "
            f"{t.status} | {kind} | {message} |"
        )
    more = total - min(len(targets), NAMED_IN_TABLE)
    if more > 0:
        rows.append(f"\n{more} more: `socialsched posts list --status failed --status missed`.")
    return MetadataValue.md("\n".join(rows))
