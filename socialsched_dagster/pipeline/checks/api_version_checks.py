"""API version hygiene for platforms whose version is ours to set and theirs to retire (a
LinkedIn version lives at least a year, then answers 426): one check per such platform, from its
spec, WARN before the version's end and ERROR after, on `scheduled_posts` beside the Graph one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from ...platforms.graph_versions import Level
from ...platforms.registry import specs
from ...platforms.spec import PlatformSpec
from ...store.models import utcnow


def _check(platform_spec: PlatformSpec, today: Callable[[], date]) -> AssetChecksDefinition:
    status_on = platform_spec.api_version_status
    assert status_on is not None

    @asset_check(
        asset="scheduled_posts",
        name=f"{platform_spec.platform.value}_api_version",
        description=f"The {platform_spec.title} API version we call is not retired, nor soon.",
    )
    def api_version() -> AssetCheckResult:
        status = status_on(today())
        metadata: dict[str, object] = {}
        if status.retires_on is not None:
            metadata["retires_on"] = status.retires_on.isoformat()
            metadata["days_until_retirement"] = status.days_left
        return AssetCheckResult(
            passed=status.level is Level.OK,
            severity=AssetCheckSeverity.ERROR
            if status.level is Level.ERROR
            else AssetCheckSeverity.WARN,
            description=status.message,
            metadata=metadata,
        )

    return api_version


def build_api_version_checks(
    today: Callable[[], date] = lambda: utcnow().date(),
) -> list[AssetChecksDefinition]:
    return [_check(s, today) for s in specs() if s.api_version_status is not None]
