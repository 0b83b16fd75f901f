"""`oauth_tokens`: refreshes every token that entered its platform's horizon.

Upstream of every publishing asset (lineage: tokens -> publishing). Materialized hourly by a
schedule and, as soon as a token enters its horizon, by `expiring_tokens_sensor`.
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from ...tokens.sweep import refresh_due_tokens
from ..resources.database import DatabaseResource
from ..resources.platforms import PlatformsResource


@asset(
    group_name="tokens",
    description="OAuth tokens of the connected accounts, refreshed before they expire "
    "(encrypted in the app database).",
)
def oauth_tokens(
    context: AssetExecutionContext, database: DatabaseResource, platforms: PlatformsResource
) -> MaterializeResult:
    refresher = platforms.refresher(database.get_database())
    report = refresh_due_tokens(refresher)
    for result in report.failed:
        if result.outcome == "failed_permanent":
            context.log.error(
                f"{result.account} needs re-authorisation ({result.message}); {result.held} "
                f"post(s) held until `socialsched accounts reconnect {result.account}`"
            )
        else:
            context.log.warning(f"{result.account}: refresh failed, will retry: {result.message}")
    earliest = report.earliest_expiry
    return MaterializeResult(
        metadata={
            "refreshed": report.count("refreshed"),
            "skipped": report.count("skipped"),
            "failed": len(report.failed),
            "earliest_expiry": MetadataValue.text(earliest.isoformat() if earliest else "none"),
            "failures": MetadataValue.md(
                "\n".join(f"- {r.account}: {r.outcome} — {r.message}" for r in report.failed)
                or "none"
            ),
        }
    )
