"""The Graph API version check, evaluated by Dagster: quiet while the configured version has
time left, WARN within 30 days of its retirement, ERROR once retired or unknown."""

from datetime import date

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Definitions,
    define_asset_job,
)

from socialsched_dagster.definitions import defs
from socialsched_dagster.pipeline.checks.graph_version_check import (
    build_graph_version_check,
    graph_api_version,
)
from socialsched_dagster.platforms.graph_versions import DEFAULT_GRAPH_VERSION, RETIREMENT

ENV = "SOCIALSCHED_GRAPH_API_VERSION"


def evaluate(check):
    """Run the check alone, as the health job runs it, and return its evaluation."""
    job = define_asset_job("graph_version", selection=AssetSelection.checks(check))
    local = Definitions(assets=[AssetSpec("scheduled_posts")], asset_checks=[check], jobs=[job])
    result = local.resolve_job_def("graph_version").execute_in_process()
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def on(day: date):
    return build_graph_version_check(today=lambda: day)


def test_it_is_registered_on_the_queue_asset():
    key = AssetCheckKey(AssetKey("scheduled_posts"), "graph_api_version")
    assert key in defs.resolve_asset_graph().asset_check_keys


def test_a_version_close_to_retirement_warns_then_errors(monkeypatch):
    monkeypatch.setenv(ENV, "v21.0")  # retired by Meta on 2027-01-21
    calm = evaluate(on(date(2026, 12, 21)))
    assert calm.passed and calm.metadata["days_until_retirement"].value == 31
    warned = evaluate(on(date(2026, 12, 22)))
    assert not warned.passed and warned.severity is AssetCheckSeverity.WARN
    assert warned.metadata["days_until_retirement"].value == 30
    assert warned.metadata["retires_on"].value == "2027-01-21"
    assert "2027-01-21" in warned.description and DEFAULT_GRAPH_VERSION in warned.description
    retired = evaluate(on(date(2027, 1, 21)))
    assert not retired.passed and retired.severity is AssetCheckSeverity.ERROR
    assert "was retired" in retired.description


@pytest.mark.parametrize(
    ("version", "passed", "words"),
    [
        (None, True, "no retirement announced"),  # the default
        ("v20.0", False, "was retired on 2026-09-24"),
        ("v99.0", False, "not a version this release knows"),
        ("27.0", False, "must look like v27.0"),
    ],
)
def test_the_registered_check_reads_the_setting(monkeypatch, version, passed, words):
    if version is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, version)
    evaluation = evaluate(graph_api_version)
    assert evaluation.passed is passed and words in evaluation.description
    if not passed:
        assert evaluation.severity is AssetCheckSeverity.ERROR


def test_the_default_is_a_known_current_version():
    assert DEFAULT_GRAPH_VERSION in RETIREMENT and RETIREMENT[DEFAULT_GRAPH_VERSION] is None


def test_linkedin_s_version_is_checked_too_from_its_spec(monkeypatch):
    from socialsched_dagster.pipeline.checks.api_version_checks import build_api_version_checks

    key = AssetCheckKey(AssetKey("scheduled_posts"), "linkedin_api_version")
    assert key in defs.resolve_asset_graph().asset_check_keys
    monkeypatch.setenv("SOCIALSCHED_LINKEDIN_VERSION", "202601")  # sunset from 2027-01-01

    def linkedin_on(day):
        (check,) = build_api_version_checks(today=lambda: day)
        return evaluate(check)

    assert linkedin_on(date(2026, 11, 20)).passed
    warned = linkedin_on(date(2026, 12, 15))
    assert not warned.passed and warned.severity is AssetCheckSeverity.WARN
    assert "SOCIALSCHED_LINKEDIN_VERSION" in warned.description
    retired = linkedin_on(date(2027, 1, 2))
    assert not retired.passed and retired.severity is AssetCheckSeverity.ERROR
