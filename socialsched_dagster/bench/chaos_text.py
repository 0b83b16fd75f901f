"""The chaos drill's result as text: a timeline, a Markdown table of the faults (it pastes into
BENCHMARKS.md as it is) and the outcome, with the targets that went wrong named."""

from __future__ import annotations

from .chaos_report import FaultRecord


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def timeline(records: list[FaultRecord], figures: list[dict], t0: float) -> list[str]:
    """One line per moment, in time order, seconds since `t0`."""
    events: list[tuple[float, str]] = []
    for record, fig in zip(records, figures, strict=True):
        name = record.name
        events.append((record.start, f"{name}: start  {record.detail}".rstrip()))
        if record.end > record.start:
            events.append((record.end, f"{name}: end"))
        resumed = None
        if fig["resumed_ledger_s"] is not None and fig["resumed_db_s"] is not None:
            resumed = max(fig["resumed_ledger_s"], fig["resumed_db_s"])
        if resumed is not None:
            events.append((record.end + resumed, f"{name}: publishing resumed (+{resumed:.1f} s)"))
        if fig["orphans_settled_s"] is not None:
            at = record.end + fig["orphans_settled_s"]
            events.append((at, f"{name}: {fig['orphans']} orphaned target(s) final"))
    return [f"  t+{at - t0:7.1f} s  {text}" for at, text in sorted(events)]


FAULT_COLUMNS = [
    ("fault", "fault"),
    ("duration_s", "lasted s"),
    ("resumed_ledger_s", "ledger resumed s"),
    ("resumed_db_s", "DB resumed s"),
    ("orphans", "orphans"),
    ("orphans_settled_s", "orphans final s"),
    ("caught_up_s", "caught up s"),
    ("recovered", "recovered"),
]


def fault_table(figures: list[dict]) -> list[str]:
    """Markdown, so it pastes into BENCHMARKS.md as it is."""

    def cell(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "**no**"
        return _s(value) if value is None or isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(title for _, title in FAULT_COLUMNS) + " |"]
    lines.append("|" + "---|" * len(FAULT_COLUMNS))
    for f in figures:
        lines.append("| " + " | ".join(cell(f[key]) for key, _ in FAULT_COLUMNS) + " |")
    return lines


def summary(result: dict) -> list[str]:
    records = [FaultRecord(**r) for r in result["records"]]
    lines = ["", "timeline (seconds since the daemon started):"]
    lines.append(f"  t+{result['first_due_s']:7.1f} s  first post due")
    lines += timeline(records, result["faults"], result["t0"])
    lines.append(f"  t+{result['last_due_s']:7.1f} s  last post due")
    lines += ["", *fault_table(result["faults"]), ""]
    o = result["outcome"]
    lines.append(
        f"{o['targets']} targets, {o['ledger_entries']} ledger entries: published once "
        f"{o['published_once']}, duplicates {o['duplicates']} (+{o['extra_posts']} posts), lost "
        f"{o['lost']}, stuck {o['stuck']}, failed {o['failed']}, missed {o['missed']}; "
        f"statuses {o['statuses']}; unattributed ledger entries {o['unattributed_entries']}"
    )
    lines.append(f"runs: {result['runs']['by_status']}")
    lines += [f"  failed run not killed: {run}" for run in result["runs"]["failed_not_killed"]]
    for kind in ("duplicate_targets", "stuck_targets", "failed_targets"):
        lines += [f"  {kind.removesuffix('_targets')}: {t}" for t in o[kind][:20]]
    for kind, rows in o["lost_targets"].items():
        lines += [f"  lost ({kind}): {t}" for t in rows[:20]]
    if result["problems"]:
        lines.append("FAILED: " + "; ".join(result["problems"]))
    else:
        lines.append("passed: no duplicate, lost or stuck target; every fault recovered in time")
    return lines
