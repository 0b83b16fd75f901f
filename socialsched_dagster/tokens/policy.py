"""When a token is due for refresh, and whether a platform can refresh it at all (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.platforms import Platform


@dataclass(frozen=True)
class RefreshPolicy:
    # 60-day Meta tokens are renewed a week ahead: a week of retries before anything fails.
    meta_horizon: timedelta = timedelta(days=7)
    # 1-hour Google access tokens are renewed in their last 10 minutes.
    google_horizon: timedelta = timedelta(minutes=10)
    # A publish is never attempted with less than this left.
    publish_margin: timedelta = timedelta(minutes=2)

    def horizon(self, platform: Platform) -> timedelta:
        return self.google_horizon if platform is Platform.YOUTUBE else self.meta_horizon

    def due(self, platform: Platform, expires_at: datetime | None, now: datetime) -> bool:
        """Whether a token expiring at `expires_at` should be refreshed now."""
        if expires_at is None:  # Facebook page tokens do not expire
            return False
        return expires_at - now <= self.horizon(platform)

    def refresh_before(self, platform: Platform, now: datetime) -> datetime:
        """Tokens expiring before this instant are due: the query's bound."""
        return now + self.horizon(platform)
