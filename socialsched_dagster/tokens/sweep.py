"""Refreshing every token that entered its platform's horizon: what `oauth_tokens` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..domain.platforms import Platform
from ..store.models import utcnow
from ..store.tokens import tokens_expiring
from .refresher import RefreshResult, TokenRefresher


@dataclass
class SweepReport:
    results: list[RefreshResult] = field(default_factory=list)
    earliest_expiry: datetime | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> list[RefreshResult]:
        return [r for r in self.results if r.outcome.startswith("failed")]


def due_account_ids(refresher: TokenRefresher, now: datetime) -> list[int]:
    def read(s) -> list[int]:
        ids: list[int] = []
        for platform in Platform:
            before = refresher.policy.refresh_before(platform, now)
            ids += [t.account_id for t in tokens_expiring(s, platform.value, before)]
        return ids

    return refresher.db.transaction(read, name="tokens due for refresh", read_only=True)


def refresh_due_tokens(refresher: TokenRefresher) -> SweepReport:
    report = SweepReport()
    for account_id in due_account_ids(refresher, utcnow()):
        report.results.append(refresher.refresh(account_id))
    report.earliest_expiry = earliest_active_expiry(refresher)
    return report


def earliest_active_expiry(refresher: TokenRefresher) -> datetime | None:
    from ..store.queries import token_overview

    return refresher.db.transaction(
        lambda s: token_overview(s).earliest_expiry, name="earliest token expiry", read_only=True
    )
