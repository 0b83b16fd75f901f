"""`window_published`: a verdict per hourly window of each `<platform>_posts` asset.

The run of a window can succeed while one of its posts failed for good (the platform refused it)
or was missed; the run is right to succeed (it did its job, and failing it would alert once per
run for the same post), but the window is not fine. So each window gets its own check result,
partitioned like the asset, that fails and names the posts with the platform's message: in the
UI, the asset's Checks tab > `window_published` > Partitions shows each hour Passed or Failed,
and a click on an hour shows its posts.

Who evaluates it: the publishing run, for the window(s) it ran, at its end; and the calendar
sensor, for a window whose posts went `missed` without any run (an outage), once every post of
the window is past the stale cutoff. `partitions_def` on a check spec is a preview API in
Dagster 1.13 (see README: "Health, alerts, reports").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    PreviewWarning,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData as TargetMaterialization,
)

from ...domain.platforms import Platform
from ...domain.states import TargetStatus
from ...store import health
from ...store.database import Database
from ..partitions import HOURLY, partition_key
from .post_list import NAMED_IN_TABLE, describe, hint, table

WINDOW_CHECK = "window_published"
S = TargetStatus
PENDING = (S.SCHEDULED.value, S.PUBLISHING.value, S.HELD.value)


def asset_key(platform: Platform) -> AssetKey:
    return AssetKey(f"{platform.value}_posts")


def window_check_spec(platform: Platform) -> AssetCheckSpec:
    with warnings.catch_warnings():
        # Partitioned checks are a preview in 1.13; they are what puts a verdict on each hour.
        warnings.simplefilter("ignore", PreviewWarning)
        return AssetCheckSpec(
            WINDOW_CHECK,
            asset=asset_key(platform),
            partitions_def=HOURLY,
            description="Every post due in this hour went out: none failed or was missed.",
        )


@dataclass(frozen=True)
class WindowVerdict:
    platform: Platform
    start: datetime
    end: datetime
    counts: dict[str, int]
    problems: list[health.ProblemTarget] = field(default_factory=list)

    @property
    def not_sent(self) -> int:
        """Failed or missed: what a user counts as not sent."""
        return self.counts.get(S.FAILED.value, 0) + self.counts.get(S.MISSED.value, 0)

    @property
    def passed(self) -> bool:
        return self.not_sent == 0

    @property
    def partition(self) -> str:
        return partition_key(self.start)

    def description(self) -> str:
        due = sum(n for s, n in self.counts.items() if s != S.CANCELLED.value)
        span = f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} UTC"
        if not due:
            return f"No posts due {span}."
        if self.passed:
            pending = sum(self.counts.get(s, 0) for s in PENDING)
            still = f", {pending} still to go" if pending else ""
            published = self.counts.get(S.PUBLISHED.value, 0)
            return f"{published} of {due} post(s) due {span} published{still}; none failed."
        head = f"{self.not_sent} of {due} post(s) due {span} failed or were missed"
        head += hint(self.problems, self.not_sent) + ":"
        return head + "\n" + describe(self.problems, self.not_sent)

    def metadata(self) -> dict:
        metadata: dict = {
            "failed": self.counts.get(S.FAILED.value, 0),
            "missed": self.counts.get(S.MISSED.value, 0),
            "published": self.counts.get(S.PUBLISHED.value, 0),
            "pending": sum(self.counts.get(s, 0) for s in PENDING),
            "cancelled": self.counts.get(S.CANCELLED.value, 0),
        }
        if self.problems:
            metadata["posts"] = table(self.problems, self.not_sent)
        return metadata

    def as_evaluation(self, target: TargetMaterialization | None) -> AssetCheckEvaluation:
        """A check result cannot name its partition (a run of a range has several), an
        evaluation can; the calendar sensor reports the same. `target`: the hour's latest
        materialization, which the verdict is about (see `latest_materialization`)."""
        return AssetCheckEvaluation(
            asset_key=asset_key(self.platform),
            check_name=WINDOW_CHECK,
            passed=self.passed,
            severity=AssetCheckSeverity.ERROR,
            description=self.description(),
            metadata=self.metadata(),
            partition=self.partition,
            target_materialization_data=target,
        )


def latest_materialization(instance: DagsterInstance, verdict: WindowVerdict):
    """The hour's latest materialization, looked up as Dagster does for a check result: the UI
    shows a check's result only while it targets the latest materialization of its partition
    (a newer one makes it stale), so an evaluation without one is hidden once the hour has been
    materialized."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key(verdict.platform), asset_partitions=[verdict.partition]),
        limit=1,
    ).records
    if not records:
        return None
    latest = records[0]
    return TargetMaterialization(
        storage_id=latest.storage_id, run_id=latest.event_log_entry.run_id,
        timestamp=latest.timestamp,
    )  # fmt: skip


def window_verdict(db: Database, platform: Platform, start: datetime, end: datetime):
    def read(s):
        counts = health.window_counts(s, platform.value, start, end)
        bad = counts.get(S.FAILED.value, 0) + counts.get(S.MISSED.value, 0)
        problems = (
            health.problem_targets(s, platform.value, start, end, NAMED_IN_TABLE) if bad else []
        )
        return WindowVerdict(platform, start, end, counts, problems)

    return db.transaction(read, name=f"{platform.value} window check", read_only=True)
