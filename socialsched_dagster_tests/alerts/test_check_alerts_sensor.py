"""`check_alerts_sensor` end to end: a real Dagster instance (the project's SQLite layout, and
PostgreSQL when reachable), real check executions and failed runs, a real HTTP receiver.
"""

import time

from dagster import AssetCheckEvaluation, AssetCheckKey, AssetCheckSeverity, AssetKey, SkipReason

from .world import CHECK, TOKEN, Ticker, headers, other_job, publish_instagram, run_check


def test_one_alert_per_state_change_not_per_tick(instance, webhook):
    tick = Ticker(instance)
    tick()  # nothing evaluated yet
    for passed in [True, False, False, False, True, True, False]:
        run_check(instance, passed)
        tick()
        tick()  # a tick without a new evaluation changes nothing
    assert headers(webhook) == [
        "🔴 FAILING: thing_is_healthy on thing",
        "✅ RECOVERED: thing_is_healthy on thing",
        "🔴 FAILING: thing_is_healthy on thing",
    ]
    # Two changes between two ticks are one message listing both, in order.
    run_check(instance, True)
    run_check(instance, False)
    tick()
    assert headers(webhook)[3:] == ["🔴 1 check failing · ✅ 1 recovered"]
    lines = webhook.delivered()[3].json["text"].splitlines()
    assert lines[1].startswith("✅ RECOVERED: thing_is_healthy on thing: Passing again since")
    assert lines[2].startswith("🔴 FAILING: thing_is_healthy on thing: thing broke while using")
    first = webhook.delivered()[0]
    assert "/assets/thing?view=checks&checkDetail=thing_is_healthy" in first.json["text"]
    assert "thing broke while using" in first.body.decode()
    assert TOKEN not in first.body.decode() and "secretpart4567" not in first.body.decode()


def test_a_check_still_running_is_read_once_it_has_its_result(sqlite_instance, webhook):
    tick = Ticker(sqlite_instance)
    run_check(sqlite_instance, True)
    tick()
    seen = []

    def tick_mid_run():
        key = AssetCheckKey(AssetKey("thing"), "thing_is_healthy")
        latest = sqlite_instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
        seen.append(latest[key].status.value)
        tick()

    CHECK["during"] = tick_mid_run
    try:
        run_check(sqlite_instance, False)
    finally:
        CHECK["during"] = None
    # Mid-run the execution row exists, still PLANNED; it gets its result in place afterwards.
    assert seen == ["PLANNED"] and webhook.requests == []
    tick()
    assert headers(webhook) == ["🔴 FAILING: thing_is_healthy on thing"]


def test_a_long_run_still_checking_does_not_hold_back_other_evaluations(sqlite_instance, webhook):
    """A publishing run stays up while posts keep coming; the health schedule's evaluations
    meanwhile alert at once, and the long run's own result counts when it arrives."""
    tick = Ticker(sqlite_instance)
    run_check(sqlite_instance, True)
    tick()

    def outage_meanwhile():
        CHECK["during"] = None
        run_check(sqlite_instance, False)  # the schedule's evaluation, while this one runs
        tick()
        assert headers(webhook) == ["🔴 FAILING: thing_is_healthy on thing"]
        run_check(sqlite_instance, True)
        tick()
        CHECK["passed"] = False  # the long run's own evaluation, finishing last

    CHECK["during"] = outage_meanwhile
    try:
        run_check(sqlite_instance, True)
    finally:
        CHECK["during"] = None
    tick()
    tick()
    assert headers(webhook) == [
        "🔴 FAILING: thing_is_healthy on thing",
        "✅ RECOVERED: thing_is_healthy on thing",
        "🔴 FAILING: thing_is_healthy on thing",
    ]


def test_a_failed_publishing_run_alerts_once(instance, webhook):
    tick = Ticker(instance)
    publish_instagram.execute_in_process(instance=instance, raise_on_error=False)
    other_job.execute_in_process(instance=instance, raise_on_error=False)  # not watched
    tick()  # the first tick reports failures of the last hour
    tick()
    (alert,) = webhook.delivered()
    (run,) = [
        r for r in instance.get_run_records() if r.dagster_run.job_name == "publish_instagram"
    ]
    body = alert.body.decode()
    assert alert.header.startswith("🔴 RUN FAILED: publish_instagram")
    assert f"http://dagster.test:3000/runs/{run.dagster_run.run_id}" in alert.json["text"]
    assert "platform said no" in body and "secretpart4567" not in body
    publish_instagram.execute_in_process(instance=instance, raise_on_error=False)
    tick()
    tick()
    assert len(webhook.delivered()) == 2


def test_without_a_webhook_states_are_tracked_and_not_replayed(sqlite_instance, webhook,
                                                                monkeypatch):  # fmt: skip
    monkeypatch.delenv("SOCIALSCHED_ALERT_WEBHOOK_URL")
    tick = Ticker(sqlite_instance)
    run_check(sqlite_instance, False)
    result = tick()
    assert isinstance(result, SkipReason)
    assert "SOCIALSCHED_ALERT_WEBHOOK_URL" in result.skip_message
    monkeypatch.setenv("SOCIALSCHED_ALERT_WEBHOOK_URL", webhook.url)
    tick()
    run_check(sqlite_instance, False)
    tick()
    assert webhook.requests == []  # the old failure is not resent
    run_check(sqlite_instance, True)
    tick()
    assert headers(webhook) == ["✅ RECOVERED: thing_is_healthy on thing"]


def test_an_alert_the_receiver_could_not_take_is_sent_on_a_later_tick(sqlite_instance, webhook,
                                                                      monkeypatch):  # fmt: skip
    tick = Ticker(sqlite_instance)
    monkeypatch.setenv("SOCIALSCHED_ALERT_WEBHOOK_ATTEMPTS", "2")
    run_check(sqlite_instance, False)
    webhook.answer_next(503, 503)  # every attempt of this tick fails
    tick()
    assert webhook.delivered() == [] and len(webhook.requests) == 2
    tick()
    tick()
    assert headers(webhook) == ["🔴 FAILING: thing_is_healthy on thing"]


def test_a_tick_over_hundreds_of_evaluations_is_fast(sqlite_instance, webhook):
    tick = Ticker(sqlite_instance)
    run_check(sqlite_instance, True)
    tick()
    key = AssetKey("thing")
    # 250 evaluations (three pages of history), failing from 100 to 199: exactly two changes.
    for i in range(250):
        sqlite_instance.report_runless_asset_event(
            AssetCheckEvaluation(asset_key=key, check_name="thing_is_healthy",
                                 passed=not 100 <= i < 200, severity=AssetCheckSeverity.WARN)
        )  # fmt: skip
    start = time.perf_counter()
    tick()
    elapsed = time.perf_counter() - start
    print(f"tick over 250 new evaluations: {elapsed * 1000:.0f} ms")
    assert headers(webhook) == ["🟠 1 check failing · ✅ 1 recovered"]
    assert elapsed < 1.0, elapsed
