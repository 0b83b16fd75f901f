"""LinkedIn API versions (the `Linkedin-Version: YYYYMM` header every /rest call carries).

LinkedIn releases a version each month and supports each "for a minimum of one year before
sunset"; a sunset version is refused with 426 NONEXISTENT_VERSION. No table of dates exists, so
a version's earliest sunset is reckoned from its name: twelve months after its release month.
`version_status` answers in the shape of the Graph version check (platforms/graph_versions.py),
so one asset check can report both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date

from ..graph_versions import Level, VersionStatus

SUPPORT_MONTHS = 12
WARN_DAYS = 30
VERSION_VAR = "SOCIALSCHED_LINKEDIN_VERSION"
_SHAPE = re.compile(r"^(20\d\d)(0[1-9]|1[0-2])$")


def valid_shape(version: str) -> bool:
    return bool(_SHAPE.match(version))


def released(version: str) -> date:
    """The first day of the version's month."""
    return date(int(version[:4]), int(version[4:]), 1)


def earliest_sunset(version: str) -> date:
    start = released(version)
    months = start.month - 1 + SUPPORT_MONTHS
    return date(start.year + months // 12, months % 12 + 1, 1)


def version_status(version: str, today: date, warn_days: int = WARN_DAYS) -> VersionStatus:
    """How the configured version stands on `today`."""
    if not valid_shape(version):
        return VersionStatus(
            version, Level.ERROR, f"{VERSION_VAR}={version!r} is not a LinkedIn version (YYYYMM)"
        )
    if released(version) > today:
        return VersionStatus(
            version,
            Level.ERROR,
            f"LinkedIn API version {version} is not released yet: LinkedIn refuses it; set "
            f"{VERSION_VAR} to this month's or an earlier one",
        )
    sunset = earliest_sunset(version)
    days = (sunset - today).days
    if days <= 0:
        level, words = Level.ERROR, "may be sunset since"
    elif days <= warn_days:
        level, words = Level.WARN, "may be sunset from"
    else:
        return VersionStatus(
            version, Level.OK, f"LinkedIn API version {version} is supported", sunset, days
        )
    return VersionStatus(
        version,
        level,
        f"LinkedIn API version {version} {words} {sunset.isoformat()} (LinkedIn supports each "
        f"version one year): set {VERSION_VAR} to a recent version",
        sunset,
        days,
    )


def configured_status(today: date, env: Mapping[str, str] | None = None) -> VersionStatus:
    """The status of the version the clients send (SOCIALSCHED_LINKEDIN_VERSION), for a check."""
    from .settings import DEFAULT_VERSION

    source = os.environ if env is None else env
    return version_status(source.get(VERSION_VAR, "").strip() or DEFAULT_VERSION, today)
