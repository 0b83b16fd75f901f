"""Threads of posts as a user writes them: `posts schedule --reply ...` and the CSV's `thread`
column (segments separated by a line of `---`), each segment held to the platform's rules, and
refused, naming the row and the segment, where the platform cannot chain replies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.database import Database


@pytest.fixture
def toots(accounts, db_url, cipher):
    """The CLI with a Mastodon account beside the three of `accounts`."""
    db = Database(db_url)
    db.transaction(
        lambda s: add_account(
            s, cipher, platform=Platform.MASTODON, external_id="109300000000000001",
            handle="toots", access_token="SECRET-ACCESS-mastodon",
            server_url="https://mastodon.example",
        )
    )  # fmt: skip
    db.dispose()
    return accounts


def _threads(db_url) -> list:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT thread FROM posts ORDER BY id")).scalars().all()
    engine.dispose()
    return [json.loads(r) if isinstance(r, str) else r for r in rows]


def test_schedule_a_thread_with_replies_in_order(toots, db_url):
    out = toots.ok(
        "posts", "schedule", "--at", "2030-06-01 09:30", "--account", "mastodon:toots",
        "--text", "1/3 The launch", "--reply", "2/3 What is new", "--reply", "3/3 Thanks!",
    ).out  # fmt: skip
    assert "to 1 account(s)" in out
    assert _threads(db_url) == [
        [{"text": "2/3 What is new", "media": []}, {"text": "3/3 Thanks!", "media": []}]
    ]
    listed = toots.ok("posts", "list").out
    assert "[thread, 0 of 3 out] 1/3 The launch" in listed


def test_a_thread_to_a_platform_without_replies_is_refused(toots, db_url):
    result = toots(
        "posts", "schedule", "--at", "2030-06-01 09:30", "--account", "mastodon:toots",
        "--account", "facebook:page", "--text", "head", "--reply", "tail",
    )  # fmt: skip
    assert result.code == 1
    assert "thread: facebook: does not take threads of posts" in result.err
    assert _threads(db_url) == []
    empty = toots("posts", "schedule", "--at", "2030-06-01 09:30", "--account", "mastodon:toots",
                  "--text", "head", "--reply", " ")  # fmt: skip
    assert empty.code == 1 and "--reply 1 is empty" in empty.err


def test_a_csv_thread_with_one_bad_segment_imports_nothing_and_names_it(toots, db_url, tmp_path):
    long = "x" * 10_001  # no Mastodon server takes it (the instance says the rest)
    good = '2030-06-01 09:30,UTC,mastodon:toots,"1/2 head","2/2 tail"'
    bad = f'2030-06-01 10:30,UTC,mastodon:toots,"1/3 head","2/3 fine\n---\n{long}"'
    path = tmp_path / "threads.csv"
    path.write_text(f"scheduled_at,timezone,accounts,text,thread\n{good}\n{bad}\n")
    result = toots("posts", "import", str(path))
    assert result.code == 1
    assert "row 3, column thread: mastodon: segment 3:" in result.err
    assert _threads(db_url) == []

    path.write_text(f"scheduled_at,timezone,accounts,text,thread\n{good}\n")
    toots.ok("posts", "import", str(path))
    assert _threads(db_url) == [[{"text": "2/2 tail", "media": []}]]
