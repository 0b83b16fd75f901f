"""What changed since the cursor, read from the Dagster instance (the one Dagster-aware module).

Check results come from the asset-check execution table, not from the event log: the deprecated
`get_event_records` is the only cross-run event query for check evaluations, and on the default
SQLite storage (one event database per run) it rejects a storage-id cursor outright. The execution
table sits in the shared index on SQLite and PostgreSQL alike, one row per execution with the
evaluation in it. Its catch: a planned check's row is updated in place when it finishes, and a
publishing run can stay up for an hour; such a row is remembered in the cursor and read again
each tick, while the executions after it (the health schedule's) are applied meanwhile.

Run failures come from `fetch_run_status_changes`, which reads the shared index too, so a storage
id is a valid cursor on both storages (Dagster's own run-status sensors use it the same way).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from dagster import AssetCheckKey, DagsterEventType, DagsterInstance, RunStatusChangeRecordsFilter
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from .state import Alert, AlertCursor, CheckEvaluation, RunFailure

PAGE = 100
MAX_NEW_PER_CHECK = 1000  # beyond this many executions in one tick, only the newest are applied
FIRST_TICK_LOOKBACK_S = 3600  # run failures older than this are not announced on a first tick
_RESOLVED = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
_PLANNED = AssetCheckExecutionRecordStatus.PLANNED


def key_string(key: AssetCheckKey) -> str:
    return "/".join(key.asset_key.path) + "/" + key.name


def _evaluation(record: AssetCheckExecutionRecord) -> CheckEvaluation:
    ev, entry = record.evaluation, record.event
    assert ev is not None and entry is not None  # resolved rows always carry their evaluation
    metrics = tuple(
        (name, str(value.value))
        for name, value in list(ev.metadata.items())[:5]
        if isinstance(value.value, (int, float, str)) and len(str(value.value)) <= 80
    )
    return CheckEvaluation(
        asset_path=tuple(record.key.asset_key.path),
        check_name=record.key.name,
        passed=ev.passed,
        timestamp=entry.timestamp,
        severity=ev.severity.value,
        description=ev.description,
        metrics=metrics,
        partition=record.partition,
    )


def _newer_than(instance: DagsterInstance, key: AssetCheckKey, after_id: int):
    """Executions of `key` with id > after_id, oldest first (the history API pages newest first)."""
    rows: list[AssetCheckExecutionRecord] = []
    before = None
    while len(rows) < MAX_NEW_PER_CHECK:
        page = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=PAGE, cursor=before
        )
        rows.extend(r for r in page if r.id > after_id)
        if len(page) < PAGE or page[-1].id <= after_id:
            break
        before = page[-1].id
    return sorted(rows, key=lambda r: r.id)


def _run_is_over(instance: DagsterInstance, run_id: str) -> bool:
    run = instance.get_run_by_id(run_id)
    return run is None or run.is_finished


def _resolved_pending(
    instance: DagsterInstance, key: AssetCheckKey, ids: list[int], cursor: AlertCursor, name: str
) -> list[AssetCheckExecutionRecord]:
    """The remembered PLANNED rows that have a result now; those still running stay pending."""
    resolved = []
    for row_id in ids:
        page = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=1, cursor=row_id + 1
        )
        row = page[0] if page and page[0].id == row_id else None
        if row is None:
            continue
        if row.status in _RESOLVED:
            resolved.append(row)
        elif row.status == _PLANNED and not _run_is_over(instance, row.run_id):
            cursor.pending.setdefault(name, []).append(row_id)
    return resolved


def collect_check_alerts(
    instance: DagsterInstance, keys: Iterable[AssetCheckKey], cursor: AlertCursor
) -> list[Alert]:
    keys = sorted(keys, key=key_string)
    # One query for all checks; only those with a newer execution are read further.
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    alerts: list[Alert] = []
    for key in keys:
        name, newest = key_string(key), latest.get(key)
        done = cursor.check_ids.get(name)
        nothing_new = done is not None and newest is not None and newest.id <= done
        if newest is None or (nothing_new and not cursor.pending.get(name)):
            continue
        if done is None:
            # First sight: the current state only, not a replay of the check's history; an
            # execution still in progress is then read like any newer one.
            page = instance.event_log_storage.get_asset_check_execution_history(key, limit=PAGE)
            current = next((r for r in page if r.status in _RESOLVED), None)
            if current is not None and (alert := cursor.observe_check(_evaluation(current))):
                alerts.append(alert)
            done = current.id if current is not None else newest.id - 1
            cursor.check_ids[name] = done
            if newest.id <= done:
                continue
        resolved = _resolved_pending(instance, key, cursor.pending.pop(name, []), cursor, name)
        for row in _newer_than(instance, key, done):
            if row.status == _PLANNED and not _run_is_over(instance, row.run_id):
                cursor.pending.setdefault(name, []).append(row.id)  # read again next tick
            elif row.status in _RESOLVED:
                resolved.append(row)
            # SKIPPED rows, and PLANNED rows of runs that ended without a result, carry no
            # evaluation; a run that died is reported as a failed run instead.
            cursor.check_ids[name] = max(row.id, cursor.check_ids.get(name, row.id))
        # In evaluation order: a long run's result can resolve after later executions.
        for ev in sorted((_evaluation(r) for r in resolved), key=lambda e: e.timestamp):
            if alert := cursor.observe_check(ev):
                alerts.append(alert)
    return alerts


def _failure_message(instance: DagsterInstance, run_id: str, fallback: str) -> str:
    steps = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.STEP_FAILURE, limit=3
    ).records
    messages = []
    for record in steps:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event else None
        while error is not None and error.cause is not None:
            error = error.cause  # the user's exception, not Dagster's wrapper around it
        if error is not None:
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return "\n".join(messages) or fallback


def collect_run_alerts(
    instance: DagsterInstance,
    cursor: AlertCursor,
    job_names: Sequence[str],
    now: float | None = None,
) -> list[Alert]:
    now = time.time() if now is None else now
    alerts: list[Alert] = []
    for _ in range(10):  # bounded paging: at most 1000 failures per tick
        if cursor.run_event_id is None:
            flt = RunStatusChangeRecordsFilter(
                DagsterEventType.RUN_FAILURE, after_timestamp=now - FIRST_TICK_LOOKBACK_S
            )
        else:
            flt = RunStatusChangeRecordsFilter(
                DagsterEventType.RUN_FAILURE, after_storage_id=cursor.run_event_id
            )
        result = instance.fetch_run_status_changes(flt, limit=PAGE, ascending=True)
        for record in result.records:
            entry = record.event_log_entry
            cursor.run_event_id = max(record.storage_id, cursor.run_event_id or 0)
            if entry.job_name not in job_names:
                continue
            message = _failure_message(instance, entry.run_id, entry.user_message or "run failed")
            alert = cursor.observe_run_failure(
                RunFailure(entry.run_id, entry.job_name, message, entry.timestamp)
            )
            if alert:
                alerts.append(alert)
        if not result.has_more:
            break
    if cursor.run_event_id is None:
        # No recent failure: start after the newest old one, so it is never announced.
        newest = instance.fetch_run_status_changes(DagsterEventType.RUN_FAILURE, limit=1).records
        cursor.run_event_id = newest[0].storage_id if newest else 0
    return alerts
