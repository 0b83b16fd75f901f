"""What a chaos drill did, read from the two witnesses that do not share a failure: the sandbox's
ledger (what the platforms received) and the app database (what we believe happened).

Pure functions over the ledger entries and target rows, so the counting is tested on its own:
- duplicate: a target the ledger holds more than once;
- lost: the ledger holds it but the database does not say `published`, or the database says
  `published` and the ledger never received it;
- stuck: not final at the end (scheduled, publishing, or held: nothing in the drill revokes a
  token, so a held target is an account a fault locked out, waiting for a person).
Per fault, "resumed" is the first ledger entry and the first published record after the fault
ended; "orphans settled" is when the targets a killed process held in `publishing` were final.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..store.database import Database
from ..store.models import PostTarget

FINAL = frozenset({"published", "failed", "missed", "cancelled"})


@dataclass(frozen=True)
class TargetRow:
    id: int
    platform: str
    status: str
    due_at: datetime
    updated_at: datetime  # when the row last changed: for a final row, when it became final
    attempts: int = 0
    lease_owner: str | None = None
    error_kind: str | None = None
    error_message: str | None = None


@dataclass
class FaultRecord:
    name: str
    start: float  # epoch seconds, the clock of this host (the sandbox's ledger uses it too)
    end: float
    detail: str = ""
    orphans: list[int] = field(default_factory=list)  # targets a killed process held
    killed_runs: list[str] = field(default_factory=list)  # Dagster runs it killed
    injected: bool = True


def read_targets(db: Database) -> list[TargetRow]:
    columns = [
        PostTarget.id, PostTarget.platform, PostTarget.status, PostTarget.due_at,
        PostTarget.updated_at, PostTarget.attempts, PostTarget.lease_owner,
        PostTarget.error_kind, PostTarget.error_message,
    ]  # fmt: skip
    with db.session() as s:
        return [TargetRow(*row) for row in s.execute(select(*columns).order_by(PostTarget.id))]


def _describe(t: TargetRow, sent: int) -> dict:
    return {
        "id": t.id, "platform": t.platform, "status": t.status, "sent": sent,
        "attempts": t.attempts, "lease_owner": t.lease_owner, "error_kind": t.error_kind,
        "error_message": (t.error_message or "")[:200] or None,
    }  # fmt: skip


def tally(ledger: list[dict], targets: list[TargetRow]) -> dict:
    """Published once / duplicates / lost / stuck / failed / missed, with the targets named."""
    # A thread's later segments are tagged <target>.<n>: counted apart, each once at most.
    tags = Counter(str(e["target"]) for e in ledger if e.get("target"))
    sent = Counter({int(tag): n for tag, n in tags.items() if "." not in tag})
    segment_duplicates = {tag: n for tag, n in tags.items() if "." in tag and n > 1}
    by_id = {t.id: t for t in targets}
    statuses = Counter(t.status for t in targets)
    duplicates = {tid: n for tid, n in sorted(sent.items()) if n > 1}
    sent_not_published = sorted(
        tid for tid in sent if tid not in by_id or by_id[tid].status != "published"
    )
    published_not_sent = [t.id for t in targets if t.status == "published" and not sent[t.id]]
    stuck = [t for t in targets if t.status not in FINAL]
    return {
        "targets": len(targets),
        "ledger_entries": len(ledger),
        "published_once": sum(1 for t in targets if t.status == "published" and sent[t.id] == 1),
        "duplicates": len(duplicates) + len(segment_duplicates),
        "extra_posts": sum(n - 1 for n in [*duplicates.values(), *segment_duplicates.values()]),
        "lost": len(sent_not_published) + len(published_not_sent),
        "stuck": len(stuck),
        "failed": statuses.get("failed", 0),
        "missed": statuses.get("missed", 0),
        "statuses": dict(sorted(statuses.items())),
        # Entries without our target header cannot be attributed, so could hide a duplicate.
        "unattributed_entries": sum(1 for e in ledger if not e.get("target")),
        "duplicate_targets": [
            {**_describe(by_id[tid], n), "ledger_seqs": _seqs(ledger, tid)}
            if tid in by_id
            else {"id": tid, "sent": n, "status": None}
            for tid, n in duplicates.items()
        ],
        "lost_targets": {
            "sent_not_published": [
                _describe(by_id[tid], sent[tid]) if tid in by_id else {"id": tid, "status": None}
                for tid in sent_not_published
            ],
            "published_not_sent": [_describe(by_id[tid], 0) for tid in published_not_sent],
        },
        "stuck_targets": [_describe(t, sent[t.id]) for t in stuck],
        "failed_targets": [_describe(t, sent[t.id]) for t in targets if t.status == "failed"],
        "missed_targets": [_describe(t, sent[t.id]) for t in targets if t.status == "missed"],
    }


def _seqs(ledger: list[dict], target_id: int) -> list[int]:
    return [e["seq"] for e in ledger if e.get("target") == str(target_id)]


def _after(times: list[float], moment: float) -> float | None:
    later = [t for t in times if t > moment]
    return round(min(later) - moment, 1) if later else None


def _settled(rows: list[TargetRow], moment: float) -> float | None:
    """Seconds after `moment` until every row was final (0 if all were before); None: never."""
    if any(t.status not in FINAL for t in rows):
        return None
    return round(max([0.0, *(t.updated_at.timestamp() - moment for t in rows)]), 1)


def recovery(fault: FaultRecord, ledger: list[dict], targets: list[TargetRow], limit_s: float):
    """How long after `fault.end` publishing resumed, and whether it did within `limit_s`."""
    ledger_s = _after([e["ts"] for e in ledger], fault.end)
    records = [t.updated_at.timestamp() for t in targets if t.status == "published"]
    db_s = _after(records, fault.end)
    by_id = {t.id: t for t in targets}
    orphans = [by_id[i] for i in fault.orphans if i in by_id]
    orphans_s = _settled(orphans, fault.end) if orphans else None
    backlog = [t for t in targets if t.due_at.timestamp() <= fault.end]
    resumed = None if ledger_s is None or db_s is None else max(ledger_s, db_s)
    recovered = (
        fault.injected
        and resumed is not None
        and resumed <= limit_s
        and (not orphans or (orphans_s is not None and orphans_s <= limit_s))
    )
    return {
        "fault": fault.name,
        "injected": fault.injected,
        "detail": fault.detail,
        "duration_s": round(fault.end - fault.start, 1),
        "resumed_ledger_s": ledger_s,
        "resumed_db_s": db_s,
        "orphans": len(orphans),
        "orphans_settled_s": orphans_s,
        "orphans_open": [t.id for t in orphans if t.status not in FINAL],
        # Informational: every target due before the fault ended is final. Our own retry
        # back-off (30-60 s after a 429, growing) is by design, so this is not a pass mark.
        "caught_up_s": _settled(backlog, fault.end),
        "recovered": recovered,
    }


def verdict(outcome: dict, faults: list[dict]) -> list[str]:
    """What makes the drill fail: empty means it passed."""
    labels = {"duplicates": "duplicated", "lost": "lost", "stuck": "stuck"}
    problems = [f"{outcome[k]} {label} target(s)" for k, label in labels.items() if outcome[k]]
    problems += [f"{f['fault']} did not recover" for f in faults if not f["recovered"]]
    return problems
