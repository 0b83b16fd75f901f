"""The Grafana dashboard is valid and shows what the exporter really exposes, all of it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "socialsched-dashboard.json"
)
METRIC = re.compile(r"\bsocialsched_[a-z0-9_]+")
# Suffixes Prometheus adds to a family's samples (text format 0.0.4).
SUFFIXES = ("_bucket", "_gsum", "_gcount", "_total")


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def expressions(dashboard: dict) -> list[str]:
    return [t["expr"] for p in panels(dashboard) for t in p["targets"]]


def family(sample_name: str) -> str:
    for suffix in SUFFIXES:
        if sample_name.endswith(suffix):
            return sample_name[: -len(suffix)]
    return sample_name


def test_the_dashboard_is_a_grafana_dashboard(dashboard):
    assert 36 <= dashboard["schemaVersion"] <= 41
    assert dashboard["uid"] and dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels(dashboard):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, panel
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"])
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))


def test_every_expression_names_an_exposed_metric_and_every_metric_has_a_panel(dashboard, scraped):
    _, samples = scraped
    exposed = {name for name, _ in samples}
    used = {name for expr in expressions(dashboard) for name in METRIC.findall(expr)}
    assert used, "no socialsched_ metric in the dashboard"
    assert used <= exposed, f"not exposed by the exporter: {sorted(used - exposed)}"
    assert {family(n) for n in exposed} <= {family(n) for n in used}, "metrics without a panel"
