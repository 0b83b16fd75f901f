"""The ledger: every item the sandbox published, in order. Tests count duplicates with it.

Entries are plain dicts. Keys starting with `_` (the text, link, media kind) are kept so the
sandbox can list a feed after a restart, but are not returned by `/_sandbox/ledger`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any

from .clock import rfc3339


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ledger:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.by_account: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.by_source: dict[str, dict[str, Any]] = {}
        self.by_external_id: dict[str, dict[str, Any]] = {}
        self.target_counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self.entries)

    def new_entry(
        self,
        *,
        platform: str,
        account: str,
        external_id: str,
        endpoint: str,
        ts: float,
        text: str,
        source_id: str | None,
        target: str | None,
        post_id: str | None = None,
        in_reply_to: str | None = None,
        **private: Any,
    ) -> dict[str, Any]:
        """Build (not yet add) an entry; the caller journals it, then `add`s it. `in_reply_to`:
        the item a reply answers (a thread's segment names the one before it)."""
        entry: dict[str, Any] = {
            "seq": len(self.entries) + 1,
            "platform": platform,
            "account": account,
            "external_id": external_id,
            "post_id": post_id,
            "endpoint": endpoint,
            "ts": ts,
            "time": rfc3339(ts),
            "content_sha256": content_sha256(text),
            "source_id": source_id,
            "target": target,
            "in_reply_to": in_reply_to,
            "_text": text,
        }
        entry.update({f"_{k}": v for k, v in private.items()})
        return entry

    def add(self, entry: dict[str, Any]) -> None:
        entry["seq"] = len(self.entries) + 1
        self.entries.append(entry)
        self.by_account[(entry["platform"], entry["account"])].append(entry)
        if entry.get("source_id"):
            self.by_source[entry["source_id"]] = entry
        self.by_external_id[entry["external_id"]] = entry
        if entry.get("target"):
            self.target_counts[entry["target"]] += 1

    def items(self, platform: str, account: str) -> list[dict[str, Any]]:
        return self.by_account.get((platform, account), [])

    def query(self, since: int = 0, platform: str | None = None) -> list[dict[str, Any]]:
        rows = self.entries[max(since, 0) :]
        return [public(e) for e in rows if platform is None or e["platform"] == platform]

    def duplicates(self) -> dict[str, int]:
        return {t: n for t, n in self.target_counts.items() if n > 1}


def public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}
