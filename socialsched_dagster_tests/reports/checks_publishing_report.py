"""Checks of the daily publishing report after the round of test_reports_after_a_round.py:
counts, success rates, lateness and error kinds per platform and account, the Markdown table,
and the asset's files."""

from datetime import timedelta

import pandas as pd
from dagster import DagsterInstance, materialize

from socialsched_dagster.pipeline.assets.reports import publishing_report
from socialsched_dagster.pipeline.resources.database import DatabaseResource
from socialsched_dagster.publishing.summary import percentile
from socialsched_dagster.reports.publishing_report import build_report, to_markdown_table
from socialsched_dagster.reports.tables import parquet_available
from socialsched_dagster.settings import load_settings
from socialsched_dagster.store.models import PostTarget


def check_publishing_report(world, day) -> None:
    """Expects the round: Instagram 2 published + 1 refused, Facebook 2 published + 1 missed
    (auth_expired), YouTube 2 published, all due on `day`."""
    with world.db.session() as session:
        report = build_report(session, day)
    rows = report.table.set_index("platform")
    assert list(rows.index) == ["facebook", "instagram", "youtube"]
    expect = {  # platform: (published, failed, missed, success rate, top errors)
        "instagram": (2, 1, 0, 0.6667, "validation x1"),
        "facebook": (2, 0, 1, 0.6667, "auth_expired x1"),
        "youtube": (2, 0, 0, 1.0, ""),
    }
    for platform, (published, failed, missed, rate, errors) in expect.items():
        row = rows.loc[platform]
        assert (row.published, row.failed, row.missed) == (published, failed, missed)
        assert row.due == published + failed + missed and row.pending == 0
        assert row.success_rate == rate and row.top_errors == errors, platform
        assert row.account == f"test_{platform}"
        lateness = [
            (t.published_at - t.due_at).total_seconds()
            for t in world.targets()
            if t.platform == platform and t.status == "published"
        ]
        assert row.lateness_max_s == round(max(lateness), 3)
        assert row.lateness_p50_s == round(percentile(lateness, 50), 3)
        assert 0 <= row.lateness_p50_s <= row.lateness_p95_s <= row.lateness_max_s < 120
    assert report.totals["due"] == 8 and report.totals["published"] == 6
    assert report.totals["success_rate"] == 0.75

    table = to_markdown_table(report.table)
    for platform in expect:
        assert f"| {platform} | test_{platform} |" in table

    # The asset's partitions are completed UTC days (today's does not exist yet): move the
    # round to yesterday, as the 02:30 schedule would find it.
    shift_by_a_day(world)
    day -= timedelta(days=1)
    result = materialize(
        [publishing_report],
        partition_key=day.isoformat(),
        resources={"database": DatabaseResource()},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    (event,) = result.asset_materializations_for_node("publishing_report")
    meta = {k: v.value for k, v in event.metadata.items()}
    assert meta["published"] == 6 and meta["failed"] == 1 and meta["missed"] == 1
    assert "| instagram | test_instagram |" in meta["report"]
    csv_path = load_settings().home / "reports" / f"publishing_report_{day.isoformat()}.csv"
    assert meta["csv_path"] == str(csv_path)
    back = pd.read_csv(csv_path, keep_default_na=False)
    assert back["top_errors"].tolist() == ["auth_expired x1", "validation x1", ""]
    assert back["published"].tolist() == [2, 2, 2]
    if parquet_available():
        assert pd.read_parquet(meta["parquet_path"])["failed"].tolist() == [0, 1, 0]
    else:
        assert meta["parquet_path"].startswith("n/a")


def shift_by_a_day(world) -> None:
    a_day = timedelta(days=1)

    def work(session):
        for target in session.query(PostTarget):
            target.due_at -= a_day
            if target.published_at:
                target.published_at -= a_day

    world.db.transaction(work)
