"""The hostile-input table (socialsched_dagster_tests/hostile_inputs.py) through the real
console script, on SQLite and PostgreSQL: every case gets its verdict, in the words of the
field it blames, with no traceback, and a refused one writes nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import threading

import pytest
from sqlalchemy import create_engine, text

from socialsched_dagster.intake.post_request import FIELDS

from ..hostile_inputs import ACCOUNT_CASES, POST_CASES, PostCase
from .conftest import SCRIPT

_OPTION = {
    "scheduled_at": "--at",
    "timezone": "--tz",
    "accounts": "--account",
    "text": "--text",
    "title": "--title",
    "description": "--description",
    "link": "--link",
    "media": "--media",
    "external_ref": "--ref",
    "owner": "--owner",
}


def _posts(db_url) -> list[tuple[int, str]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.post_id, a.platform || ':' || a.handle FROM post_targets t "
                "JOIN accounts a ON a.id = t.account_id ORDER BY t.post_id, a.handle"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _check(case: PostCase, result, db_url, *, where: str) -> None:
    assert "Traceback" not in result.all, result.all
    if case.field is None:
        assert result.code == 0, result.all
        reached = sorted(account for _post, account in _posts(db_url))
        assert reached == sorted(case.reaches or [case.fields["accounts"].strip()]), reached
        return
    assert result.code != 0, f"{case.id} was accepted:\n{result.all}"
    assert where + case.field in result.err, result.err
    assert case.says in result.err, result.err
    assert _posts(db_url) == [], "a refused post wrote something"


@pytest.mark.parametrize("case", [c for c in POST_CASES if c.in_argv], ids=lambda c: c.id)
def test_posts_schedule_gives_each_hostile_post_its_verdict(accounts, db_url, case):
    args = ["posts", "schedule"]
    for name, value in case.fields.items():
        args += [_OPTION[name], value]
    _check(case, accounts(*args), db_url, where="  ")


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: c.id)
def test_posts_import_gives_each_hostile_row_its_verdict_with_row_and_column(
    accounts, db_url, tmp_path, case
):
    path = tmp_path / "posts.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerow([case.fields.get(name, "") for name in FIELDS])
    _check(case, accounts("posts", "import", str(path)), db_url, where="row 2, column ")


def _account_count(db_url) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM accounts")).scalar()
    engine.dispose()
    return count


@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=lambda c: c.id)
def test_accounts_add_refuses_handles_and_ids_no_post_could_name(accounts, db_url, case):
    before = _account_count(db_url)
    args = ["accounts", "add"]
    for name, value in case.options.items():
        args += [f"--{name.replace('_', '-')}", value]
    result = accounts(*args, stdin="SECRET-TOKEN\n")
    assert "Traceback" not in result.all and "SECRET-TOKEN" not in result.all
    assert result.code == 1, result.all
    assert case.says in result.err, result.err
    assert _account_count(db_url) == before


def test_the_loser_of_two_concurrent_imports_reports_the_rows_as_already_imported(
    accounts, db_url, tmp_path
):
    path = tmp_path / "big.csv"
    rows = 1500
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["scheduled_at", "timezone", "accounts", "text", "external_ref"])
        for n in range(rows):
            writer.writerow(["2030-02-01 10:00", "UTC", "facebook:page", f"post {n}", f"r{n}"])
    results = {}

    def run(name):
        proc = subprocess.run(
            [str(SCRIPT), "posts", "import", str(path)],
            capture_output=True, text=True, env=accounts.env, timeout=180,
        )  # fmt: skip
        results[name] = proc

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outputs = [results["a"], results["b"]]
    for proc in outputs:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "IntegrityError" not in proc.stderr
    said = sorted(proc.stdout for proc in outputs)
    assert any(f"imported {rows} post(s)" in out for out in said), said
    assert any(f"imported 0 post(s) (0 target(s)) from {rows} row(s); {rows} already" in out
               for out in said), said  # fmt: skip
    listed = json.loads(accounts.ok("posts", "list", "--json", "--limit", "1000").out)
    assert len(listed["items"]) == 1000 and listed["next_cursor"]
    assert len(_posts(db_url)) == rows
