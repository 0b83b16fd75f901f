"""Tunables of publishing runs and of the due-posts sensor, editable in the launchpad."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from ...publishing.settings import PublishSettings


class PublishingConfig(ConfigurableResource):
    workers: int = Field(default=8, description="parallel platform calls per run")
    claim_ahead_s: float = Field(default=3.0, description="claim this long before due")
    lease_s: float = Field(default=90.0, description="claim lease; renewed while the run lives")
    poll_s: float = 1.0
    idle_exit_s: float = Field(default=90.0, description="exit when nothing is due this soon")
    stale_after_s: float = Field(default=7200.0, description="older targets become missed")
    retry_scale: float = Field(default=1.0, description="scales our retry back-off")
    sensor_lead_s: float = Field(
        default=45.0, description="start a run this long before its first post is due"
    )
    monthly_budgets_usd: dict[str, float] = Field(
        default_factory=dict,
        description="per platform that charges per post (x): each account's monthly budget, "
        "USD; from SOCIALSCHED_<PLATFORM>_MONTHLY_BUDGET_USD",
    )

    def settings(self) -> PublishSettings:
        return PublishSettings(
            workers=self.workers,
            claim_ahead_s=self.claim_ahead_s,
            lease_s=self.lease_s,
            poll_s=self.poll_s,
            # A run started `sensor_lead_s` early must not exit as idle before its first post.
            idle_exit_s=max(self.idle_exit_s, self.sensor_lead_s + 15),
            stale_after_s=self.stale_after_s,
            retry_scale=self.retry_scale,
            monthly_budgets_usd=tuple(sorted(self.monthly_budgets_usd.items())),
        )


def publishing_config_from_env(env: dict[str, str] | None = None) -> PublishingConfig:
    """Defaults overridden by SOCIALSCHED_PUBLISH_<FIELD> (e.g. SOCIALSCHED_PUBLISH_WORKERS=16),
    so a deployment tunes runs without editing code or launchpad config."""
    import os

    from ...publishing.settings import monthly_budgets_from_env

    env = os.environ if env is None else env
    overrides: dict = {"monthly_budgets_usd": dict(monthly_budgets_from_env(env))}
    for name, field in PublishingConfig.model_fields.items():
        if name == "monthly_budgets_usd":
            continue
        raw = env.get(f"SOCIALSCHED_PUBLISH_{name.upper()}")
        if raw is not None:
            overrides[name] = field.annotation(raw) if callable(field.annotation) else raw
    return PublishingConfig(**overrides)
