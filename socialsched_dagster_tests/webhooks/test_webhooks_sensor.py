"""The code location runs the dispatcher as `webhooks_sensor`: a tick announces outcomes and
delivers what is due, and says so in its skip message (what the UI shows for the tick)."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, build_sensor_context

from socialsched_dagster.definitions import defs
from socialsched_dagster.pipeline.resources.database import DatabaseResource
from socialsched_dagster.pipeline.sensors.webhooks import build_webhooks_sensor
from socialsched_dagster.store.models import DEFAULT_WORKSPACE_ID
from socialsched_dagster.webhooks.events import emit

from .conftest import add_hook


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_tick_delivers_what_is_due_and_says_so(db, db_url, cipher, receiver, monkeypatch):
    [registered] = [s for s in defs.sensors if s.name == "webhooks_sensor"]
    assert registered.minimum_interval_seconds == 15
    monkeypatch.setenv("SOCIALSCHED_DATABASE_URL", db_url)
    monkeypatch.setenv("SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS", "127.0.0.0/8")
    add_hook(db, cipher, receiver.url, events=["post.rejected"])
    db.transaction(
        lambda s: emit(
            s, DEFAULT_WORKSPACE_ID, "post.rejected", dedupe_key="sensor-test",
            payload={"post_id": 1, "by": "key:lead#1", "comment": "no"}, post_id=1,
            now=db.now(),
        )
    )  # fmt: skip
    sensor = build_webhooks_sensor()
    with (
        DagsterInstance.ephemeral() as instance,
        build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=db_url)}
        ) as context,
    ):
        first = sensor.evaluate_tick(context)
        second = sensor.evaluate_tick(context)
    assert first.run_requests == [] and "1 delivered" in first.skip_message
    assert second.skip_message.startswith("0 new event(s); 0 attempt(s)")
    assert [r.json["type"] for r in receiver.requests] == ["post.rejected"]
