"""The one-alert-per-state-change rule, and the cursor that carries it between ticks."""

from socialsched_dagster.alerts.state import (
    FAILING,
    RECOVERED,
    AlertCursor,
    CheckEvaluation,
    RunFailure,
)


def ev(passed: bool, t: float, check: str = "error_rate") -> CheckEvaluation:
    return CheckEvaluation(("platform_posts", "instagram"), check, passed, t, "WARN",
                           None if passed else f"error rate 7% at {t}")  # fmt: skip


def test_failing_failing_failing_passing_passing_failing_gives_three_alerts():
    cursor = AlertCursor()
    sequence = [False, False, False, True, True, False]
    alerts = [cursor.observe_check(ev(p, 1000.0 + i)) for i, p in enumerate(sequence)]
    sent = [a for a in alerts if a is not None]
    assert [a.kind for a in sent] == [FAILING, RECOVERED, FAILING]
    assert [a.timestamp for a in sent] == [1000.0, 1003.0, 1005.0]
    assert sent[1].since == 1000.0  # recovered: says since when it had been failing
    assert "was failing since" in sent[1].description
    assert sent[0].ui_path == (
        "/assets/platform_posts/instagram?view=checks&checkDetail=error_rate"
    )


def test_a_first_passing_evaluation_is_not_news():
    cursor = AlertCursor()
    assert cursor.observe_check(ev(True, 1.0)) is None
    assert cursor.observe_check(ev(True, 2.0)) is None
    assert cursor.observe_check(ev(False, 3.0)).kind == FAILING


def test_checks_are_independent():
    cursor = AlertCursor()
    assert cursor.observe_check(ev(False, 1.0, "a")).kind == FAILING
    assert cursor.observe_check(ev(False, 2.0, "b")).kind == FAILING
    assert cursor.observe_check(ev(False, 3.0, "a")) is None


def test_the_cursor_round_trips_through_json_and_keeps_the_state():
    cursor = AlertCursor()
    alert = cursor.observe_check(ev(False, 1.0))
    cursor.check_ids["platform_posts/instagram/error_rate"] = 42
    cursor.run_event_id = 7
    cursor.observe_run_failure(RunFailure("run-1", "publish_instagram", "boom", 2.0))
    cursor.outbox = [alert]
    again = AlertCursor.from_json(cursor.to_json())
    assert again == cursor
    assert again.observe_check(ev(False, 5.0)) is None  # still failing: nothing new
    assert again.observe_run_failure(RunFailure("run-1", "publish_instagram", "x", 3.0)) is None


def test_an_unreadable_cursor_starts_over():
    assert AlertCursor.from_json("not json") == AlertCursor()
    assert AlertCursor.from_json('{"v": 99}') == AlertCursor()
    assert AlertCursor.from_json(None) == AlertCursor()


def test_a_partitioned_check_has_a_state_per_window():
    """`window_published` judges each hour: one window failing alerts once, whatever the other
    windows do; a later run of the same window (still failing) is no news; passing windows are
    not remembered, so the cursor does not grow by an hour every hour."""

    def window(passed: bool, t: float, hour: str) -> CheckEvaluation:
        why = None if passed else f"1 post failed in {hour}"
        return CheckEvaluation(
            ("facebook_posts",), "window_published", passed, t, "ERROR", why, partition=hour
        )

    cursor = AlertCursor()
    assert cursor.observe_check(window(True, 1.0, "2026-12-01-06:00")) is None
    failing = cursor.observe_check(window(False, 2.0, "2026-12-01-07:00"))
    assert failing.kind == FAILING and failing.subject == "window_published 2026-12-01-07:00"
    assert failing.ui_path == "/assets/facebook_posts?view=checks&checkDetail=window_published"
    assert cursor.observe_check(window(True, 3.0, "2026-12-01-08:00")) is None  # another hour
    assert cursor.observe_check(window(False, 4.0, "2026-12-01-07:00")) is None  # a later run
    recovered = cursor.observe_check(window(True, 5.0, "2026-12-01-07:00"))
    assert recovered.kind == RECOVERED and recovered.since == 2.0
    assert cursor.checks == {}
    assert AlertCursor.from_json(cursor.to_json()) == cursor
