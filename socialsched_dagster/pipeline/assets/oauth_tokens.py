"""`oauth_tokens`: the accounts' OAuth tokens, upstream of every publishing asset.

Observed here (expiry horizon, expired tokens per platform) so the UI shows the lineage from
tokens to publishing and when the next token runs out.
"""

from dagster import MetadataValue, ObserveResult, observable_source_asset

from ..resources.database import DatabaseResource


@observable_source_asset(
    group_name="intake",
    description="OAuth tokens of the connected accounts (encrypted in the app database).",
)
def oauth_tokens(database: DatabaseResource) -> ObserveResult:
    from ...store.queries import token_overview

    with database.get_database().session() as session:
        overview = token_overview(session)
    return ObserveResult(
        metadata={
            "active_accounts": overview.active_accounts,
            "expired_active_tokens": overview.expired_active,
            "earliest_expiry": MetadataValue.text(
                overview.earliest_expiry.isoformat() if overview.earliest_expiry else "none"
            ),
        }
    )
