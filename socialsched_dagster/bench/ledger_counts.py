"""What the sandbox ledger says about a scenario: duplicates, and which targets went out.

Every post the sandbox accepted is one entry, tagged with the target header the client sent:
the target id, or `<target>.<n>` for a thread's segment after the head, each of which is a post
of its own. A duplicate is a tag seen more than once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerCount:
    entries: Counter[str]  # per platform
    duplicates: Counter[str]  # per platform: entries beyond the first of each tag
    sent: frozenset[int]  # targets with at least one post out

    @property
    def duplicate_total(self) -> int:
        return sum(self.duplicates.values())

    def by_platform(self) -> dict[str, dict[str, int]]:
        return {
            platform: {"posts": n, "duplicates": self.duplicates.get(platform, 0)}
            for platform, n in sorted(self.entries.items())
        }


def target_of(tag: str) -> int:
    """The target a ledger tag belongs to: `42` and `42.1` are both target 42."""
    return int(tag.split(".", 1)[0])


def count_ledger(ledger: list[dict]) -> LedgerCount:
    entries: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    seen: set[str] = set()
    for entry in ledger:
        tag = entry.get("target")
        if not tag:
            continue
        platform = str(entry.get("platform"))
        entries[platform] += 1
        if tag in seen:
            duplicates[platform] += 1
        seen.add(tag)
    return LedgerCount(entries, duplicates, frozenset(target_of(t) for t in seen))
