import json

import pytest

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.resilience.limits_config import RateLimits
from socialsched_dagster.sandbox.settings import SandboxSettings


def test_graph_defaults_match_what_the_sandbox_enforces():
    sandbox = SandboxSettings()
    for platform in (Platform.INSTAGRAM, Platform.FACEBOOK):
        budget = RateLimits().shared(platform)
        assert budget.account_calls == sandbox.graph_account_calls_per_window
        assert budget.window_s == sandbox.graph_window_seconds


def test_local_budget_is_a_share_of_the_shared_one_never_zero():
    limits = RateLimits.from_dict(
        {
            "local_fraction": 0.5,
            "assumed_concurrent_runs": 4,
            "platforms": {"youtube": {"app_calls": 3, "account_calls": 40}},
        }
    )
    local = limits.local(Platform.YOUTUBE)
    assert (local.account_calls, local.app_calls) == (5, 1)
    assert limits.shared(Platform.INSTAGRAM) == RateLimits().shared(Platform.INSTAGRAM)


def test_from_env_inline_json_or_file(tmp_path):
    data = {"slow_down_at_percent": 70, "platforms": {"instagram": {"account_calls": 100}}}
    inline = RateLimits.from_env({"SOCIALSCHED_RATE_LIMITS": json.dumps(data)})
    path = tmp_path / "limits.json"
    path.write_text(json.dumps(data))
    from_file = RateLimits.from_env({"SOCIALSCHED_RATE_LIMITS": str(path)})
    assert inline == from_file
    assert inline.slow_down_at_percent == 70
    assert inline.shared(Platform.INSTAGRAM).account_calls == 100
    assert RateLimits.from_env({}) == RateLimits()


@pytest.mark.parametrize(
    "data",
    [
        {"slow_down": 70},
        {"platforms": {"instagram": {"calls": 1}}},
        {"platforms": {"myspace": {}}},
        {"platforms": {"instagram": {"account_calls": 0}}},
        {"local_fraction": 0},
    ],
)
def test_bad_settings_are_refused(data):
    with pytest.raises(ValueError):
        RateLimits.from_dict(data)
