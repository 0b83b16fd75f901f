import json

from sqlalchemy import create_engine, text


def count(db_url, table):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()
    return n


def test_schedule_one_post_to_several_accounts(accounts, db_url):
    out = accounts.ok(
        "posts", "schedule", "--at", "2030-06-01 09:30", "--tz", "Europe/Paris",
        "--account", "instagram:shop", "--account", "facebook:page",
        "--text", "Summer sale #sale", "--media", "https://cdn.example/sale.jpg",
    ).out  # fmt: skip
    assert "scheduled for 2030-06-01 09:30 CEST (07:30 UTC) to 2 account(s)" in out
    listed = json.loads(accounts.ok("posts", "list", "--json").out)["items"]
    assert [(r["account"], r["status"], r["due_at"]) for r in listed] == [
        ("instagram:shop", "scheduled", "2030-06-01T07:30:00+00:00"),
        ("facebook:page", "scheduled", "2030-06-01T07:30:00+00:00"),
    ]


def test_schedule_refuses_invalid_content_naming_each_problem(accounts, db_url):
    result = accounts(
        "posts", "schedule", "--at", "2030-06-01 09:30", "--account", "instagram:shop",
        "--account", "youtube:channel", "--title", "a<b",
    )  # fmt: skip
    assert result.code == 1
    assert "media: instagram: Instagram needs at least one image or video" in result.err
    assert "title: youtube: YouTube titles may not contain '<' or '>'" in result.err
    assert count(db_url, "posts") == 0


def test_schedule_refuses_past_and_dst_gap_times(accounts):
    past = accounts("posts", "schedule", "--at", "2020-01-01 10:00", "--account", "facebook:page",
                    "--text", "x")  # fmt: skip
    assert past.code == 1 and "in the past" in past.err
    gap = accounts("posts", "schedule", "--at", "2030-03-31 02:30", "--tz", "Europe/Berlin",
                   "--account", "facebook:page", "--text", "x")  # fmt: skip
    assert gap.code == 1 and "does not exist" in gap.err and "2030-03-31T03:30+02:00" in gap.err


def test_the_same_ref_never_schedules_twice(accounts, db_url):
    args = ("posts", "schedule", "--at", "now", "--account", "facebook:page", "--text", "hi",
            "--ref", "campaign-7")  # fmt: skip
    accounts.ok(*args)
    assert "already scheduled" in accounts.ok(*args).out
    assert count(db_url, "post_targets") == 1


def test_list_pages_with_a_cursor_and_filters(accounts):
    for hour in range(7):
        accounts.ok("posts", "schedule", "--at", f"2030-01-0{hour + 1} 10:00",
                    "--account", "facebook:page", "--account", "instagram:shop",
                    "--text", f"p{hour}", "--media", "https://cdn.example.com/x.jpg")  # fmt: skip
    seen, cursor, pages = [], None, 0
    while True:
        args = ["posts", "list", "--json", "--limit", "4", "--platform", "instagram"]
        page = json.loads(accounts.ok(*args, *(["--cursor", cursor] if cursor else [])).out)
        seen += [r["text"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"p{h}" for h in range(7)] and pages == 2
    ranged = json.loads(accounts.ok(
        "posts", "list", "--json", "--account", "facebook:page",
        "--from", "2030-01-03T00:00Z", "--to", "2030-01-05T00:00Z",
    ).out)["items"]  # fmt: skip
    assert [r["text"] for r in ranged] == ["p2", "p3"]
    text_page = accounts.ok("posts", "list", "--limit", "3").out
    assert "more: --cursor " in text_page
    bad = accounts("posts", "list", "--cursor", "garbage!")
    assert bad.code == 1 and "invalid cursor" in bad.err


def test_cancel_stops_what_has_not_started(accounts, db_url):
    accounts.ok(
        "posts", "schedule", "--at", "2030-01-01 10:00", "--account", "facebook:page",
        "--account", "instagram:shop", "--text", "t", "--media", "https://cdn.example.com/x.jpg",
    )  # fmt: skip
    engine = create_engine(db_url)
    with engine.begin() as conn:  # a run has claimed the Instagram target
        conn.execute(text("UPDATE post_targets SET status='publishing' WHERE platform='instagram'"))
    engine.dispose()
    result = accounts("posts", "cancel", "1")
    assert "cancelled 1 target(s) of post 1" in result.out
    assert "left alone (already under way or done): 1 publishing" in result.out
    assert result.code == 3  # scripts can tell a partial cancel from a full one
    statuses = {r["account"]: r["status"] for r in json.loads(
        accounts.ok("posts", "list", "--json").out)["items"]}  # fmt: skip
    assert statuses == {"facebook:page": "cancelled", "instagram:shop": "publishing"}
    assert accounts("posts", "cancel", "99").err.strip().endswith("no post 99")


def test_a_ref_reused_with_other_content_is_a_conflict_not_a_silent_no_op(accounts, db_url):
    args = ("posts", "schedule", "--at", "2030-06-01 09:30", "--account", "facebook:page",
            "--ref", "launch")  # fmt: skip
    accounts.ok(*args, "--text", "first")
    again = accounts.ok(*args, "--text", "first")
    assert "already scheduled (ref launch); nothing changed" in again.out
    changed = accounts(*args, "--text", "second")
    assert changed.code != 0 and "conflict: ref 'launch'" in changed.err
    moved = accounts("posts", "schedule", "--at", "2030-06-02 09:30", "--account",
                     "facebook:page", "--ref", "launch", "--text", "first")  # fmt: skip
    assert moved.code != 0 and "other time" in moved.err
    assert count(db_url, "posts") == 1


def test_cancelling_nothing_says_so_and_fails(accounts):
    accounts.ok("posts", "schedule", "--at", "2030-06-01 09:30", "--account", "facebook:page",
                "--text", "x")  # fmt: skip
    other = accounts("posts", "cancel", "1", "--account", "instagram:shop")
    assert other.code == 3 and "nothing to cancel" in other.out and "instagram:shop" in other.out
    assert accounts.ok("posts", "cancel", "1").out.startswith("cancelled 1 target(s)")
    twice = accounts("posts", "cancel", "1")
    assert twice.code == 3 and "nothing to cancel: post 1" in twice.out
