"""`scheduled_posts`: the app database's queue of post targets, as an observable source.

Observing it records how many targets wait in each status, so the UI plots the backlog over
time; the publishing assets read from it (lineage: scheduled_posts -> <platform>_posts).
"""

from dagster import MetadataValue, ObserveResult, observable_source_asset

from ..resources.database import DatabaseResource


@observable_source_asset(
    group_name="intake",
    description="Post targets waiting in the app database (one per post and account).",
)
def scheduled_posts(database: DatabaseResource) -> ObserveResult:
    from ...store.queries import target_backlog

    backlog = database.get_database().transaction(
        target_backlog, name="target backlog", read_only=True
    )
    metadata = {f"targets_{status}": count for status, count in sorted(backlog.by_status.items())}
    metadata["next_due_at"] = MetadataValue.text(
        backlog.next_due_at.isoformat() if backlog.next_due_at else "none"
    )
    return ObserveResult(metadata=metadata)
