"""`check_alerts_sensor`: failed asset checks and failed publishing runs, as webhook alerts.

One alert per state change (a check starts failing, a check recovers, a run fails), never one
per tick; the check changes seen in one tick go out as one message (see `alerts.digest`). The
cursor holds the per-check states, the newest execution applied per check, the newest run-failure
event handled, and alerts the webhook has not accepted yet (sent again next tick). Without a
configured webhook the states are still tracked, so configuring it later does not replay old
failures. A tick that cannot read Dagster's storage (a database restart) skips and leaves the
cursor as it was.
"""

from collections.abc import Sequence

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from ...alerts.digest import combine
from ...alerts.feed import collect_check_alerts, collect_run_alerts
from ...alerts.message import headline
from ...alerts.state import MAX_OUTBOX, AlertCursor
from ...alerts.webhook import URL_ENV, WebhookConfig, send_alerts
from ...domain.platforms import Platform
from ...store.transient import transient_cause
from ..run_planning import job_name


def build_check_alerts_sensor(run_job_names: Sequence[str] | None = None):
    """`run_job_names`: the jobs whose failed runs alert (default: the publishing jobs)."""
    watched = (
        tuple(run_job_names)
        if run_job_names is not None
        else tuple(job_name(p.value) for p in Platform)
    )

    @sensor(
        name="check_alerts_sensor",
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Sends a webhook alert when an asset check starts failing or recovers, "
        "and when a publishing run fails.",
    )
    def check_alerts_sensor(context: SensorEvaluationContext):
        cursor = AlertCursor.from_json(context.cursor)
        repo = context.repository_def
        # The checks of this code location: a check removed from the code stops alerting.
        keys = repo.asset_graph.asset_check_keys if repo is not None else ()
        if repo is None:
            context.log.warning("no repository definition in the sensor context: checks ignored")
        try:
            alerts = [
                *combine(collect_check_alerts(context.instance, keys, cursor), headline),
                *collect_run_alerts(context.instance, cursor, watched),
            ]
        except Exception as exc:
            reason = transient_cause(exc)
            if reason is None:
                raise
            # Dagster's own storage (PostgreSQL in production) is restarting or unreachable.
            # Nothing was sent and the stored cursor is unchanged, so the next tick reads the
            # same changes again: an alert is late by one tick, never lost or doubled.
            context.log.warning(f"Dagster's storage unavailable ({reason}); alerts wait a tick")
            return SkipReason(f"Dagster's storage unavailable ({reason}); trying again next tick")
        try:
            config = WebhookConfig.from_env()
            problem = None if config else f"{URL_ENV} is not set"
        except ValueError as exc:
            config, problem = None, str(exc)
        if config is None:
            cursor.outbox = []  # not kept: a webhook configured later starts from the present
            context.update_cursor(cursor.to_json())
            return SkipReason(
                f"no alert webhook configured ({problem}); "
                f"{len(alerts)} state change(s) recorded, not sent"
            )
        pending = [*cursor.outbox, *alerts]
        results, unsent = send_alerts(config, pending)
        dropped = max(0, len(unsent) - MAX_OUTBOX)
        cursor.outbox = unsent[dropped:]
        context.update_cursor(cursor.to_json())
        sent = sum(r.delivered for r in results)
        refused = sum(r.permanent for r in results)
        if unsent or refused or dropped:
            context.log.warning(
                f"alerts: {sent} delivered, {refused} refused by the receiver, "
                f"{len(cursor.outbox)} kept for the next tick, {dropped} dropped (outbox full)"
            )
        if not pending:
            return SkipReason("no check or run changed state")
        return SkipReason(f"{sent} of {len(pending)} alert(s) delivered")

    return check_alerts_sensor
