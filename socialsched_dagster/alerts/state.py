"""One alert per state change: what the alerts sensor remembers between ticks, and the decision.

A check alerts when it starts failing and when it recovers, never while it stays in one state, so
a check evaluated every few minutes does not page every few minutes. A partitioned check (the
per-window `window_published`) has a state per partition: a window that fails alerts once,
whatever other windows do, and later runs of the same window do not alert again. A failed run
alerts once, keyed by its run id. Everything here is plain data that round-trips through JSON,
because it lives in a sensor cursor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

log = logging.getLogger(__name__)

FAILING, RECOVERED, RUN_FAILED = "FAILING", "RECOVERED", "RUN_FAILED"
PASSING_STATE, FAILING_STATE = "passing", "failing"
CURSOR_VERSION = 1
MAX_REMEMBERED_RUNS = 200  # only a guard against an event seen twice; the storage id is the cursor
MAX_PENDING = 20  # planned executions remembered per check (one per live run)
MAX_OUTBOX = 50  # undelivered alerts kept for the next tick; beyond that the oldest are dropped
# Failing partitions remembered (a passing one is forgotten: there is one per hour per platform);
# beyond that the oldest failures are dropped, and their recovery goes unannounced.
MAX_PARTITION_STATES = 200


@dataclass(frozen=True)
class Alert:
    kind: str  # FAILING | RECOVERED | RUN_FAILED
    subject: str  # the check name (and window, if partitioned), or a failed run's job name
    target: str  # the asset key path ("a/b"), or the run id
    description: str  # unscrubbed: the message builder scrubs it, so it happens in one place
    ui_path: str  # path under the Dagster UI base URL
    timestamp: float  # when the state changed
    severity: str | None = None  # WARN | ERROR for checks
    since: float | None = None  # RECOVERED: when the failure began

    @classmethod
    def from_dict(cls, data: dict) -> Alert:
        return cls(**data)


@dataclass(frozen=True)
class CheckEvaluation:
    asset_path: tuple[str, ...]
    check_name: str
    passed: bool
    timestamp: float
    severity: str | None = None
    description: str | None = None
    metrics: tuple[tuple[str, str], ...] = ()  # the measured values, e.g. (("error_rate", "0.07"),)
    partition: str | None = None  # of a partitioned check: the window it judged

    @property
    def key(self) -> str:
        key = "/".join(self.asset_path) + "/" + self.check_name
        return f"{key}[{self.partition}]" if self.partition else key

    @property
    def subject(self) -> str:
        return f"{self.check_name} {self.partition}" if self.partition else self.check_name


@dataclass(frozen=True)
class RunFailure:
    run_id: str
    job_name: str
    message: str
    timestamp: float


def check_ui_path(asset_path: tuple[str, ...], check_name: str) -> str:
    # The shape the Dagster 1.13 UI itself links to for one check: the asset page, checks tab,
    # with the check's detail open (`view=checks&checkDetail=<name>`).
    path = "/".join(quote(part, safe="") for part in asset_path)
    return f"/assets/{path}?" + urlencode({"view": "checks", "checkDetail": check_name})


def run_ui_path(run_id: str) -> str:
    return f"/runs/{quote(run_id, safe='')}"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class CheckState:
    status: str  # passing | failing
    since: float  # when it entered this status
    last: float = 0.0  # the newest evaluation applied: an older one arriving late is ignored


@dataclass
class AlertCursor:
    checks: dict[str, CheckState] = field(default_factory=dict)
    # Per check, the newest execution row already applied. Rows are updated in place when a
    # planned check finishes, so a global "newest id" would skip a check still running.
    check_ids: dict[str, int] = field(default_factory=dict)
    # Per check, rows still PLANNED by a live run (a publishing run lives as long as posts keep
    # coming): read again each tick, while later executions are applied meanwhile.
    pending: dict[str, list[int]] = field(default_factory=dict)
    run_event_id: int | None = None  # storage id of the newest RUN_FAILURE event handled
    alerted_runs: list[str] = field(default_factory=list)
    outbox: list[Alert] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str | None) -> AlertCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("v") != CURSOR_VERSION:
                raise ValueError(f"cursor version {data.get('v')!r}")
            return cls(
                checks={k: CheckState(**v) for k, v in data["checks"].items()},
                check_ids={k: int(v) for k, v in data["check_ids"].items()},
                pending={k: [int(i) for i in v] for k, v in data.get("pending", {}).items()},
                run_event_id=data["run_event_id"],
                alerted_runs=list(data["alerted_runs"]),
                outbox=[Alert.from_dict(a) for a in data["outbox"]],
            )
        except (ValueError, KeyError, TypeError) as exc:
            # Starting over costs at most one alert per currently failing check; refusing to
            # run would cost every alert from now on.
            log.warning("unreadable alerts cursor (%s); starting from the current state", exc)
            return cls()

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": CURSOR_VERSION,
                "checks": {k: asdict(v) for k, v in sorted(self.checks.items())},
                "check_ids": dict(sorted(self.check_ids.items())),
                "pending": {k: v[-MAX_PENDING:] for k, v in sorted(self.pending.items()) if v},
                "run_event_id": self.run_event_id,
                "alerted_runs": self.alerted_runs[-MAX_REMEMBERED_RUNS:],
                "outbox": [asdict(a) for a in self.outbox[-MAX_OUTBOX:]],
            },
            separators=(",", ":"),
        )

    def observe_check(self, ev: CheckEvaluation) -> Alert | None:
        """Apply one evaluation (in execution order); the alert it causes, if any."""
        previous = self.checks.get(ev.key)
        status = PASSING_STATE if ev.passed else FAILING_STATE
        if previous is not None and ev.timestamp < previous.last:
            return None  # a long run's result, older than what is already known
        if previous is not None and previous.status == status:
            previous.last = ev.timestamp
            return None
        if ev.partition and ev.passed:
            self.checks.pop(ev.key, None)  # only failing windows are remembered
        else:
            self.checks[ev.key] = CheckState(status, ev.timestamp, ev.timestamp)
            if ev.partition:
                self._forget_old_partitions()
        if ev.passed and previous is None:
            return None  # first seen healthy: nothing happened worth a message
        metrics = ", ".join(f"{k}={v}" for k, v in ev.metrics)
        if ev.passed:
            since = previous.since  # type: ignore[union-attr]  # None returned above
            text = f"Passing again since {iso(ev.timestamp)}; was failing since {iso(since)}."
        else:
            since = None
            what = ev.description or "The check failed."
            text = f"{what}\nFailing since {iso(ev.timestamp)}."
        if metrics:
            text += f"\nMeasured: {metrics}"
        return Alert(
            kind=RECOVERED if ev.passed else FAILING,
            subject=ev.subject,
            target="/".join(ev.asset_path),
            description=text,
            ui_path=check_ui_path(ev.asset_path, ev.check_name),
            timestamp=ev.timestamp,
            severity=ev.severity,
            since=since,
        )

    def _forget_old_partitions(self) -> None:
        partitioned = [k for k in self.checks if k.endswith("]")]
        for key in sorted(partitioned, key=lambda k: self.checks[k].since)[
            : max(0, len(partitioned) - MAX_PARTITION_STATES)
        ]:
            del self.checks[key]

    def observe_run_failure(self, failure: RunFailure) -> Alert | None:
        if failure.run_id in self.alerted_runs:
            return None
        self.alerted_runs = [*self.alerted_runs, failure.run_id][-MAX_REMEMBERED_RUNS:]
        return Alert(
            kind=RUN_FAILED,
            subject=failure.job_name,
            target=failure.run_id,
            description=f"{failure.message}\nFailed at {iso(failure.timestamp)}.",
            ui_path=run_ui_path(failure.run_id),
            timestamp=failure.timestamp,
            severity="ERROR",
        )
