"""Checks of `post_insights` after the round of test_reports_after_a_round.py: the engagement
the asset reports is the sandbox's deterministic engagement of what the runs published, per
platform; posts the platforms do not know become error rows without costing the others theirs."""

import pandas as pd
from dagster import DagsterInstance, materialize

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.assets.reports import post_insights
from socialsched_dagster.pipeline.resources.database import DatabaseResource
from socialsched_dagster.pipeline.resources.platforms import PlatformsResource
from socialsched_dagster.pipeline.resources.redis import RedisResource
from socialsched_dagster.sandbox.engagement import engagement

from .rounds import fake_published

IG, YT = Platform.INSTAGRAM, Platform.YOUTUBE
COUNTED = {  # what each platform reports: Facebook has no views, YouTube no shares
    "instagram": ("likes", "comments", "views", "shares"),
    "facebook": ("likes", "comments", "shares"),
    "youtube": ("likes", "comments", "views"),
}


def check_post_insights(world) -> None:
    """Expects two published posts per platform; adds one unknown post each to IG and YT."""
    unknown = {
        fake_published(world, IG, "17900000000000099"): "100/33",
        fake_published(world, YT, "notAVideo01"): "videoNotFound",
    }

    result = materialize(
        [post_insights],
        resources={
            "database": DatabaseResource(),
            "platforms": PlatformsResource(redis=RedisResource()),
        },
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    (event,) = result.asset_materializations_for_node("post_insights")
    meta = {k: v.value for k, v in event.metadata.items()}
    table = pd.read_csv(meta["csv_path"], dtype={"external_post_id": str})
    assert len(table) == 8 and meta["posts"] == 8 and meta["errors"] == 2

    # Every post the runs published: exactly the numbers the sandbox derives from its ledger
    # entry (read within the first hour, so the growth factor is 1).
    entries = {int(e["target"]): e for e in world.ledger() if e.get("target")}
    targets = {t.id: t for t in world.targets()}
    expected_totals = {p: dict.fromkeys(c, 0) for p, c in COUNTED.items()}
    for row in table.itertuples():
        if targets[row.target_id].post_id in unknown:
            continue
        assert pd.isna(row.error_kind), row
        counts = engagement(entries[row.target_id]["external_id"], age_s=0)
        for name in ("likes", "comments", "views", "shares"):
            value = getattr(row, name)
            if name in COUNTED[row.platform]:
                assert value == getattr(counts, name), (row.platform, name)
                expected_totals[row.platform][name] += value
            else:
                assert pd.isna(value), (row.platform, name)
    for platform, totals in expected_totals.items():
        for name, total in totals.items():
            assert meta[f"{platform}_{name}"] == total, (platform, name)
        assert meta[f"{platform}_reported"] == 2

    # The posts the platforms never issued: error rows, with the platforms' own codes.
    errors = table[table["error_kind"].notna()]
    assert sorted(errors["error_code"]) == sorted(unknown.values())
    assert set(errors["error_kind"]) == {"validation"}
    assert meta["instagram_errors"] == 1 and meta["youtube_errors"] == 1
    assert "17900000000000099" in meta["insights"] and "notAVideo01" in meta["insights"]
    # Nothing secret left the run: no token in the file or the metadata.
    with open(meta["csv_path"]) as f:
        assert "sbx1." not in f.read()
    assert not any("sbx1." in str(v) for v in meta.values())
