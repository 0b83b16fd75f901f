"""An outage fails several checks at once: one message, one line per check, the worst severity."""

import json

from socialsched_dagster.alerts.digest import combine
from socialsched_dagster.alerts.message import build_body, headline
from socialsched_dagster.alerts.state import AlertCursor, CheckEvaluation


def change(cursor, asset, check, passed, t, severity="ERROR"):
    ev = CheckEvaluation((asset,), check, passed, t, severity, f"{check} measured",
                         (("value", "1"),))  # fmt: skip
    return cursor.observe_check(ev)


def test_an_outage_across_platforms_is_one_message_naming_each_check():
    cursor = AlertCursor()
    for asset in ("facebook_posts", "instagram_posts"):
        change(cursor, asset, "error_rate", True, 1.0)
    alerts = [
        change(cursor, "facebook_posts", "error_rate", False, 2.0),
        change(cursor, "instagram_posts", "error_rate", False, 2.5, severity="WARN"),
    ]
    (one,) = combine(alerts, headline)
    body = json.loads(build_body(one, "http://ui:3000"))
    lines = body["text"].splitlines()
    assert lines[0] == "🔴 2 checks failing"
    assert lines[1].startswith("🔴 FAILING: error_rate on facebook_posts: error_rate measured")
    assert lines[2].startswith("🟠 FAILING: error_rate on instagram_posts")
    assert lines[3] == "<http://ui:3000/assets|Open the checks in Dagster>"
    assert one.severity == "ERROR" and one.timestamp == 2.5


def test_a_single_change_goes_out_as_itself():
    cursor = AlertCursor()
    change(cursor, "youtube_posts", "lateness", True, 1.0)
    alert = change(cursor, "youtube_posts", "lateness", False, 2.0)
    assert combine([alert], headline) == [alert]
