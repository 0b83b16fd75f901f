"""Thresholds of the health checks: configuration, not constants (SOCIALSCHED_HEALTH_<FIELD>)."""

import os

from dagster import ConfigurableResource


class HealthThresholds(ConfigurableResource):
    # Share of the posts due that failed or were missed (what a user counts as not sent).
    error_rate_warn: float = 0.01
    error_rate_error: float = 0.05
    # Share of platform calls that ended in a retry: a warning only, since a retried post that
    # went out is no error to the user; past 5 % the platform throttles or fails often enough
    # that lateness and quota are at risk.
    retry_rate_warn: float = 0.05
    lateness_p95_error_s: float = 60.0
    on_time_within_s: float = 60.0
    backlog_grace_s: float = 120.0
    db_latency_warn_s: float = 0.100
    redis_latency_warn_ms: float = 50.0
    cache_hit_rate_warn: float = 0.80
    cache_min_lookups: float = 100
    window_hours: float = 24.0
    # Error rate, retry rate and lateness fail only while the last `recent_minutes` are over the
    # threshold too (a two-window burn-rate rule): the 24 h figure says how bad the day was, the
    # recent one says the problem is still on, so a check turns green once it is over.
    recent_minutes: float = 10.0
    stale_after_s: float = 7200.0


def health_thresholds_from_env(env=None) -> HealthThresholds:
    env = os.environ if env is None else env
    overrides = {}
    for name in HealthThresholds.model_fields:
        raw = env.get(f"SOCIALSCHED_HEALTH_{name.upper()}")
        if raw is not None:
            overrides[name] = float(raw)
    return HealthThresholds(**overrides)
