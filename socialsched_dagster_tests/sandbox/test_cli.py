"""The `sandbox` click group the main CLI mounts, and the settings it loads."""

from __future__ import annotations

import json

from click.testing import CliRunner

from socialsched_dagster.cli.sandbox_cmd import sandbox_group
from socialsched_dagster.sandbox.__main__ import settings_from


def test_serve_command_is_exposed():
    result = CliRunner().invoke(sandbox_group, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--latency-ms", "--config", "--state"):
        assert option in result.output


def test_settings_from_config_state_and_latency(tmp_path):
    config = tmp_path / "sandbox.json"
    config.write_text(json.dumps({"ig_quota_total": 25, "faults": {"latency_jitter_ms": 5}}))
    s = settings_from(str(config), str(tmp_path / "state.jsonl"), 50)
    assert s.ig_quota_total == 25 and s.state_file.endswith("state.jsonl")
    assert s.faults == {"latency_jitter_ms": 5, "latency_ms": 50}


def test_unknown_setting_is_refused(tmp_path):
    config = tmp_path / "sandbox.json"
    config.write_text(json.dumps({"ig_quota": 25}))
    result = CliRunner().invoke(sandbox_group, ["serve", "--config", str(config)])
    assert result.exit_code != 0 and "ig_quota" in result.output
