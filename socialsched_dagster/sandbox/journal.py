"""Optional append-only state file (JSON lines) so that a restart forgets nothing published.

Events: `ledger` (a published item), `container` (an Instagram container was created),
`session` (a YouTube upload session was opened) and `revoke`. Each is one line written and
flushed when it happens; a line cut short by a SIGKILL is skipped on load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._fh: IO[str] | None = None

    def load(self) -> Iterator[dict[str, Any]]:
        if not self.path or not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    log.warning("sandbox state file: skipping unreadable line %d", lineno)

    def append(self, event: dict[str, Any]) -> None:
        if not self.path:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self._fh.write(json.dumps(event, separators=(",", ":")) + "\n")
        self._fh.flush()  # the OS has it: survives our SIGKILL, which is the drill

    def truncate(self) -> None:
        self.close()
        if self.path and self.path.exists():
            self.path.write_text("")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
