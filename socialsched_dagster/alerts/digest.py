"""Check changes seen in one sensor tick, as one message.

An outage fails several checks of several platforms at the same evaluation (error rate, lateness,
backlog...); one message per check would post a burst of near-identical messages into the
channel. Each change is still its own line, with its own measured values, in evaluation order.
Run failures are not folded in: each names its own run.
"""

from __future__ import annotations

from .state import FAILING, RECOVERED, Alert

DIGEST = "DIGEST"
SEVERITY_ORDER = {None: 0, "WARN": 1, "ERROR": 2}


def digest_headline(alerts: list[Alert]) -> str:
    failing = sum(a.kind == FAILING for a in alerts)
    recovered = sum(a.kind == RECOVERED for a in alerts)
    parts = []
    if failing:
        icon = "🔴" if any(a.severity == "ERROR" for a in alerts if a.kind == FAILING) else "🟠"
        parts.append(f"{icon} {failing} check{'s' if failing > 1 else ''} failing")
    if recovered:
        parts.append(f"✅ {recovered} recovered")
    return " · ".join(parts)


def combine(alerts: list[Alert], headline) -> list[Alert]:
    """`alerts` (check changes of one tick) as at most one alert; `headline` names one change."""
    if len(alerts) <= 1:
        return alerts
    lines = [f"{headline(a)}: {a.description.splitlines()[0]}" for a in alerts]
    assets = sorted({a.target for a in alerts})
    failing = [a for a in alerts if a.kind == FAILING]
    return [
        Alert(
            kind=DIGEST,
            subject=digest_headline(alerts),
            target=", ".join(assets),
            description="\n".join(lines),
            # One asset: its checks tab; several: the catalog, where the checks show per asset.
            ui_path=alerts[0].ui_path.split("?")[0] + "?view=checks"
            if len(assets) == 1
            else "/assets",
            timestamp=max(a.timestamp for a in alerts),
            severity=max((a.severity for a in failing), key=SEVERITY_ORDER.get, default=None),
        )
    ]
