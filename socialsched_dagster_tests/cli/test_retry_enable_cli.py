"""The exits from dead ends: `posts retry` and `accounts enable`."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text


def _sql(db_url, statement, **params):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        rows = conn.execute(text(statement), params)
        result = rows.all() if rows.returns_rows else None
    engine.dispose()
    return result


def _schedule(accounts) -> None:
    accounts.ok("posts", "schedule", "--at", "2030-06-01 09:30", "--account", "facebook:page",
                "--account", "instagram:shop", "--text", "hello", "--media",
                "https://cdn.example/a.jpg")  # fmt: skip


def test_retry_puts_failed_and_missed_targets_back_keeping_the_marker(accounts, db_url):
    _schedule(accounts)
    long_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=5)
    _sql(db_url, "UPDATE post_targets SET status = 'missed', due_at = :d, maybe_sent_at = :d, "
         "error_message = 'not published before the stale cutoff' WHERE platform = 'facebook'",
         d=long_ago)  # fmt: skip
    _sql(db_url, "UPDATE post_targets SET status = 'failed', attempts = 8, "
         "error_message = 'gave up' WHERE platform = 'instagram'")  # fmt: skip
    out = accounts.ok("posts", "retry", "1").out
    assert "retrying 2 target(s) of post 1" in out
    assert "1 of them may already be on the platform" in out
    rows = _sql(db_url, "SELECT platform, status, attempts, maybe_sent_at, due_at, error_message "
                "FROM post_targets ORDER BY platform")  # fmt: skip
    (fb, ig) = rows
    assert fb[1] == ig[1] == "scheduled" and fb[2] == ig[2] == 0
    assert fb[3] is not None and ig[3] is None  # the marker stays where it was
    due = fb[4] if isinstance(fb[4], datetime) else datetime.fromisoformat(fb[4])
    assert due > long_ago + timedelta(hours=4)  # stale: due again now, not missed again
    assert fb[5] is None and ig[5] is None


def test_retry_of_nothing_retryable_says_so_and_fails(accounts):
    _schedule(accounts)
    result = accounts("posts", "retry", "1")
    assert result.code == 3
    assert "nothing to retry in post 1" in result.out and "2 scheduled" in result.out
    assert accounts("posts", "retry", "99").code == 1


def test_enable_releases_what_disable_held(accounts, db_url):
    _schedule(accounts)
    assert (
        "2 scheduled target(s) held" not in accounts.ok("accounts", "disable", "facebook:page").out
    )
    assert _sql(db_url, "SELECT status FROM post_targets WHERE platform = 'facebook'") == [
        ("held",)
    ]
    out = accounts.ok("accounts", "enable", "facebook:page").out
    assert "enabled facebook:page; 1 held post(s) released" in out
    assert _sql(db_url, "SELECT status FROM post_targets WHERE platform = 'facebook'") == [
        ("scheduled",)
    ]
    again = accounts("accounts", "enable", "facebook:page")
    assert again.code == 1 and "already active" in again.err
    _sql(db_url, "UPDATE accounts SET status = 'reauth_required' WHERE platform = 'facebook'")
    refused = accounts("accounts", "enable", "facebook:page")
    assert refused.code == 1 and "accounts reconnect" in refused.err


def test_settle_answers_for_a_post_the_platform_cannot_be_asked_about(accounts, db_url):
    _schedule(accounts)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # As the publisher leaves one it may have sent and cannot ask about: held for a person.
    _sql(db_url, "UPDATE post_targets SET status = 'held', maybe_sent_at = :d, "
         "error_kind = 'unknown_outcome', error_code = 'needs_a_person', "
         "error_message = 'may have been posted' WHERE platform = 'facebook'", d=now)  # fmt: skip
    both = accounts("posts", "settle", "1", "--account", "facebook:page")
    assert both.code == 1 and "--published ID, or --not-published" in both.err
    nothing_in_doubt = accounts("posts", "settle", "1", "--account", "instagram:shop",
                                "--not-published")  # fmt: skip
    assert nothing_in_doubt.code == 1 and "nothing about it is in doubt" in nothing_in_doubt.err

    out = accounts.ok("posts", "settle", "1", "--account", "facebook:page",
                      "--published", " 1000001_42 ").out  # fmt: skip
    assert "recorded as published (1000001_42)" in out
    (row,) = _sql(db_url, "SELECT status, external_post_id, maybe_sent_at, error_message "
                  "FROM post_targets WHERE platform = 'facebook'")  # fmt: skip
    assert row == ("published", "1000001_42", None, None)
    (attempt,) = _sql(db_url, "SELECT outcome FROM publish_attempts")
    assert attempt == ("settled_published",)
    again = accounts("posts", "settle", "1", "--account", "facebook:page", "--not-published")
    assert again.code == 1 and "is published there" in again.err


def test_settle_not_published_sends_it_without_asking(accounts, db_url):
    _schedule(accounts)
    long_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=5)
    _sql(db_url, "UPDATE post_targets SET status = 'missed', due_at = :d, maybe_sent_at = :d "
         "WHERE platform = 'instagram'", d=long_ago)  # fmt: skip
    out = accounts.ok("posts", "settle", "1", "--account", "instagram:shop", "--not-published").out
    assert "goes out within a minute" in out
    ((status, marker, due),) = _sql(db_url, "SELECT status, maybe_sent_at, due_at FROM "
                                    "post_targets WHERE platform = 'instagram'")  # fmt: skip
    due = due if isinstance(due, datetime) else datetime.fromisoformat(due)
    assert status == "scheduled" and marker is None and due > long_ago + timedelta(hours=4)
