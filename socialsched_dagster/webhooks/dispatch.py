"""One pass of the webhook dispatcher: announce new publishing outcomes, then deliver what is
due. The Dagster sensor runs a pass per tick; anything else (a test, a script) may run one too,
at the same time: events and claims are made once whoever runs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..security.token_cipher import TokenCipher
from ..store.database import Database
from .delivery import DeliveryPolicy, DeliveryReport, Sender, deliver_due
from .watcher import LOOKBACK, announce_outcomes


@dataclass(frozen=True)
class PassReport:
    events: int
    deliveries: DeliveryReport

    def summary(self) -> str:
        return f"{self.events} new event(s); {self.deliveries.summary()}"


def dispatch_once(
    db: Database,
    cipher: TokenCipher,
    policy: DeliveryPolicy,
    *,
    now: datetime | None = None,
    lookback: timedelta = LOOKBACK,
    sender: Sender | None = None,
) -> PassReport:
    now = now or db.now()
    events = db.transaction(
        lambda s: announce_outcomes(s, now=now, lookback=lookback), name="webhook outcomes"
    )
    return PassReport(events, deliver_due(db, cipher, policy, now=now, sender=sender))
