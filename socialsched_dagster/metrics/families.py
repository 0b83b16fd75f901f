"""From figures to Prometheus metric families: names, help texts and labels live here.

Series of known label values (every status x platform) are always exported, zeros included, so
panels show 0 rather than "no data" and alerts on them need no `absent()`. Figures that do not
exist (no publication in the last hour, no token with an expiry) are left out rather than
reported as 0, which would read as "perfectly on time" or "expired now".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)

from ..domain.platforms import Platform
from ..domain.states import TargetStatus
from ..publishing.summary import percentile
from .db_figures import LatencyHistogram

PREFIX = "socialsched"
LATENESS_QUANTILES = (("0.5", 50.0), ("0.95", 95.0))  # plus "1": the maximum


def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", doc, value=value)


def targets(counts: dict[tuple[str, str], int]) -> Metric:
    family = GaugeMetricFamily(
        f"{PREFIX}_targets", "Post targets by status and platform.", labels=["status", "platform"]
    )
    known = {(s.value, p.value) for s in TargetStatus for p in Platform}
    for status, platform in sorted(known | set(counts)):
        family.add_metric([status, platform], counts.get((status, platform), 0))
    return family


def outcomes(totals: dict[tuple[str, str], int]) -> Metric:
    # A counter although read from the database: attempts are append-only, so it only grows.
    family = CounterMetricFamily(
        f"{PREFIX}_publish_outcomes",
        "Publish attempts by platform and outcome (publish_attempts, all history).",
        labels=["platform", "outcome"],
    )
    for (platform, outcome), n in sorted(totals.items()):
        family.add_metric([platform, outcome], n)
    return family


def latency(histograms: dict[str, LatencyHistogram]) -> Metric:
    # A gauge histogram: it covers a sliding 24 h, so buckets also go down. Use the buckets
    # directly in histogram_quantile(), without rate().
    family = GaugeHistogramMetricFamily(
        f"{PREFIX}_publish_latency_seconds",
        "Latency of publish attempts finished in the last 24 h.",
        labels=["platform"],
    )
    for platform, histogram in sorted(histograms.items()):
        family.add_metric([platform], histogram.cumulative(), gsum_value=histogram.sum_s)
    return family


def lateness(samples: dict[str, list[float]]) -> Metric:
    family = GaugeMetricFamily(
        f"{PREFIX}_lateness_seconds",
        "Published minus due time of posts published in the last hour (quantile 1 = max).",
        labels=["platform", "quantile"],
    )
    for platform, values in sorted(samples.items()):
        for label, q in LATENESS_QUANTILES:
            family.add_metric([platform, label], percentile(values, q))
        family.add_metric([platform, "1"], max(values))
    return family


def token_expiry(earliest: dict[str, datetime], now: datetime) -> Metric:
    family = GaugeMetricFamily(
        f"{PREFIX}_token_expiry_seconds",
        "Seconds until the earliest token expiry of an active account (negative: expired).",
        labels=["platform"],
    )
    for platform, moment in sorted(earliest.items()):
        family.add_metric([platform], (moment - now).total_seconds())
    return family


def spend(totals: dict[tuple[str, str], float]) -> Metric:
    family = GaugeMetricFamily(
        f"{PREFIX}_spend_usd",
        "Estimated spend this month (UTC) on platforms that charge per post: posts published "
        "this month and those under way, per account.",
        labels=["platform", "account"],
    )
    for (platform, handle), usd in sorted(totals.items()):
        family.add_metric([platform, handle], usd)
    return family


def by_platform(name: str, doc: str, values: dict[str, float]) -> Metric:
    family = GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=["platform"])
    for platform, value in sorted(values.items()):
        family.add_metric([platform], value)
    return family


def rate_limit_usage(usage: dict[tuple[str, str], float]) -> Metric:
    family = GaugeMetricFamily(
        f"{PREFIX}_rate_limit_usage_ratio",
        "Share of our shared rate budget used in its current window "
        '(budget="app": the whole app, "account_max": the busiest active account).',
        labels=["platform", "budget"],
    )
    for (platform, budget), ratio in sorted(usage.items()):
        family.add_metric([platform, budget], ratio)
    return family


def cache(stats: dict) -> Iterable[Metric]:
    if stats["hits"] is None:  # Redis could not say
        return []
    lookups = CounterMetricFamily(
        f"{PREFIX}_cache_lookups",
        "Cache lookups over all processes by result (bypass: Redis was down).",
        labels=["result"],
    )
    for result, key in (("hit", "hits"), ("miss", "misses"), ("bypass", "bypasses")):
        lookups.add_metric([result], stats[key])
    families: list[Metric] = [lookups]
    if stats["hit_rate"] is not None:
        families.append(
            gauge(
                "cache_hit_ratio", "Cache hits / lookups since counting began.", stats["hit_rate"]
            )
        )
    return families
