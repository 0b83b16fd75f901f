"""Meta Graph API versions we know, with the date Meta retires each (its changelog's
"Available Until").

A version stops working two years after the next one is released; calls to it are then upgraded
to the oldest live version, so a pinned version that passes its date changes behaviour under us
without an error. The table feeds the `graph_api_version` asset check, which warns ahead of the
date. Add a row with each release and fill its date in when the changelog lists one (None: "TBD").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

DEFAULT_GRAPH_VERSION = "v27.0"
WARN_DAYS = 30  # warn this long before a version's retirement

RETIREMENT: dict[str, date | None] = {
    "v27.0": None,  # released 2026-11-04
    "v26.0": None,  # released 2026-07-29
    "v25.0": date(2028, 7, 29),
    "v24.0": date(2028, 2, 18),
    "v23.0": date(2027, 10, 8),
    "v22.0": date(2027, 5, 20),
    "v21.0": date(2027, 1, 21),
    "v20.0": date(2026, 9, 24),
    "v19.0": date(2026, 5, 21),
    "v18.0": date(2026, 1, 26),
    "v17.0": date(2025, 9, 12),
    "v16.0": date(2025, 5, 14),
}

_SHAPE = re.compile(r"^v\d+\.\d+$")


class Level(str, Enum):
    OK = "ok"
    WARN = "warn"  # retirement within WARN_DAYS: upgrade now
    ERROR = "error"  # retired, or a version we know nothing about


@dataclass(frozen=True)
class VersionStatus:
    version: str
    level: Level
    message: str
    retires_on: date | None = None
    days_left: int | None = None


def valid_shape(version: str) -> bool:
    return bool(_SHAPE.match(version))


def version_status(version: str, today: date, warn_days: int = WARN_DAYS) -> VersionStatus:
    """How the configured version stands on `today`."""
    if version not in RETIREMENT:
        known = ", ".join(sorted(RETIREMENT, key=_number, reverse=True)[:3])
        return VersionStatus(
            version,
            Level.ERROR,
            f"Graph API {version} is not a version this release knows (newest known: {known}); "
            "its retirement date cannot be checked",
        )
    retires = RETIREMENT[version]
    if retires is None:
        return VersionStatus(version, Level.OK, f"Graph API {version}: no retirement announced")
    days = (retires - today).days
    if days <= 0:
        return VersionStatus(
            version,
            Level.ERROR,
            f"Graph API {version} was retired on {retires.isoformat()}: Meta now answers with "
            f"another version; set SOCIALSCHED_GRAPH_API_VERSION to {DEFAULT_GRAPH_VERSION}",
            retires,
            days,
        )
    if days <= warn_days:
        return VersionStatus(
            version,
            Level.WARN,
            f"Graph API {version} is retired on {retires.isoformat()} ({days} days): "
            f"upgrade SOCIALSCHED_GRAPH_API_VERSION (current: {DEFAULT_GRAPH_VERSION})",
            retires,
            days,
        )
    return VersionStatus(
        version, Level.OK, f"Graph API {version} is retired on {retires.isoformat()}", retires, days
    )


def _number(version: str) -> tuple[int, int]:
    major, minor = version[1:].split(".")
    return int(major), int(minor)
