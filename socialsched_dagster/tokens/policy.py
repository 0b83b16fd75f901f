"""When a token is due for refresh, and whether a platform can refresh it at all (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from ..domain.platforms import Platform


@dataclass(frozen=True)
class RefreshPolicy:
    # Per platform, replacing the horizon its spec declares (60-day Meta tokens a week ahead,
    # 1-hour Google tokens in their last 10 minutes): SOCIALSCHED_TOKEN_<PLATFORM>_HORIZON_S.
    horizons: Mapping[Platform, timedelta] = field(default_factory=lambda: MappingProxyType({}))
    # A publish is never attempted with less than this left.
    publish_margin: timedelta = timedelta(minutes=2)

    def horizon(self, platform: Platform) -> timedelta:
        if platform in self.horizons:
            return self.horizons[platform]
        from ..platforms.registry import spec

        # A platform whose tokens cannot be renewed is still watched a week ahead: its
        # account is held before expiry, with the date in the alert.
        return spec(platform).refresh_horizon or timedelta(days=7)

    def due(self, platform: Platform, expires_at: datetime | None, now: datetime) -> bool:
        """Whether a token expiring at `expires_at` should be refreshed now."""
        if expires_at is None:  # Facebook page tokens do not expire
            return False
        return expires_at - now <= self.horizon(platform)

    def refresh_before(self, platform: Platform, now: datetime) -> datetime:
        """Tokens expiring before this instant are due: the query's bound."""
        return now + self.horizon(platform)
