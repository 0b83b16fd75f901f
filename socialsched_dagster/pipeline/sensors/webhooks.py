"""`webhooks_sensor`: a pass of the event webhook dispatcher every 15 s (webhooks/dispatch.py).

Requests no runs: each tick announces the publishing outcomes of the last minutes and sends
the deliveries that are due, and says what it did, so deliveries show as ticks in the UI.
"""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from ...security.token_cipher import TokenCipher
from ...settings import load_settings
from ...store.transient import transient_cause
from ...webhooks.delivery import DeliveryPolicy
from ...webhooks.dispatch import dispatch_once
from ..resources.database import DatabaseResource


def build_webhooks_sensor():
    @sensor(
        name="webhooks_sensor",
        minimum_interval_seconds=15,
        default_status=DefaultSensorStatus.RUNNING,
        description="Delivers event webhooks (published, failed, missed, held, approved, "
        "rejected), signed, retried with backoff.",
    )
    def webhooks_sensor(context: SensorEvaluationContext, database: DatabaseResource):
        settings = load_settings()
        policy = DeliveryPolicy(private_networks=settings.webhook_private_networks)
        cipher = TokenCipher.from_config(settings.token_key, settings.token_key_file)
        try:
            report = dispatch_once(database.get_database(threads=policy.workers), cipher, policy)
        except Exception as exc:
            reason = transient_cause(exc)
            if reason is None:
                raise
            # Nothing is lost: outcomes stay in the lookback window and deliveries stay due.
            context.log.warning(f"app database unavailable ({reason}); webhooks wait a tick")
            return SkipReason(f"app database unavailable ({reason}); trying again next tick")
        if report.deliveries.retrying or report.deliveries.failed:
            context.log.warning(report.summary())
        return SkipReason(report.summary())

    return webhooks_sensor
