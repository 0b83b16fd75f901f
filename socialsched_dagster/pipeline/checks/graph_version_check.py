"""Graph API version hygiene, as a check on `scheduled_posts`: WARN within 30 days of Meta
retiring the configured version (SOCIALSCHED_GRAPH_API_VERSION), ERROR once it is retired or
is one this release has no date for. Meta upgrades calls to a retired version without an error,
so without this check the first sign would be a changed answer in production."""

from collections.abc import Callable
from datetime import date

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from ...platforms.graph_versions import Level, version_status
from ...store.models import utcnow
from ..resources.platforms import platform_config_from_env


def build_graph_version_check(
    today: Callable[[], date] = lambda: utcnow().date(),
) -> AssetChecksDefinition:
    @asset_check(
        asset="scheduled_posts",
        name="graph_api_version",
        description="The Meta Graph API version we call is not retired, nor about to be.",
    )
    def graph_api_version() -> AssetCheckResult:
        try:
            version = platform_config_from_env().graph_version  # what the clients call
        except ValueError as exc:
            return AssetCheckResult(
                passed=False, severity=AssetCheckSeverity.ERROR, description=str(exc)
            )
        status = version_status(version, today())
        metadata: dict[str, object] = {"graph_api_version": version}
        if status.retires_on is not None:
            metadata["retires_on"] = status.retires_on.isoformat()
            metadata["days_until_retirement"] = status.days_left
        severe = status.level is Level.ERROR
        return AssetCheckResult(
            passed=status.level is Level.OK,
            severity=AssetCheckSeverity.ERROR if severe else AssetCheckSeverity.WARN,
            description=status.message,
            metadata=metadata,
        )

    return graph_api_version


graph_api_version = build_graph_version_check()
