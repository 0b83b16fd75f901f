import csv
import json
import time

import pytest
from sqlalchemy import create_engine, text

HEADER = ["scheduled_at", "timezone", "accounts", "text", "title", "description", "media"]
GOOD = [
    ["2030-05-01 09:00", "Europe/Paris", "instagram:shop;facebook:page", "Launch #new",
     "", "", "https://cdn.example/launch.jpg"],
    ["2030-05-01 18:00", "America/New_York", "youtube:channel", "", "Launch video",
     "Watch it", "https://cdn.example/launch.mp4"],
    ["2030-05-02 08:00", "UTC", "facebook:page", "Day two", "", "", ""],
]  # fmt: skip


def write(path, rows, header=HEADER, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def counts(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        result = tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("posts", "post_targets")
        )
    engine.dispose()
    return result


def test_good_file_imports_and_reimport_creates_no_duplicates(accounts, db_url, tmp_path):
    path = write(tmp_path / "posts.csv", GOOD)
    out = accounts.ok("posts", "import", path).out
    assert "imported 3 post(s) (4 target(s)) from 3 row(s); 0 already imported" in out
    assert counts(db_url) == (3, 4)
    again = accounts.ok("posts", "import", path).out
    assert "imported 0 post(s) (0 target(s)) from 3 row(s); 3 already imported" in again
    assert counts(db_url) == (3, 4)


def test_one_bad_row_imports_nothing_and_names_row_and_column(accounts, db_url, tmp_path):
    rows = [*GOOD, ["2030-05-03 08:00", "Europe/Paris", "instagram:shop", "no media", "", "", ""]]
    rows.append(["2030-05-03 09:00", "Mars/Base", "tiktok:me", "x", "", "", ""])
    result = accounts("posts", "import", write(tmp_path / "bad.csv", rows))
    assert result.code == 1
    assert "nothing was imported" in result.err
    assert "row 5, column media: instagram: Instagram needs at least one image or video" in (
        result.err
    )
    assert "row 6, column timezone: unknown time zone 'Mars/Base'" in result.err
    assert "row 6, column accounts: no account 'tiktok:me'" in result.err
    assert counts(db_url) == (0, 0)


def test_dry_run_reports_without_writing(accounts, db_url, tmp_path):
    out = accounts.ok("posts", "import", "--dry-run", write(tmp_path / "p.csv", GOOD)).out
    assert "would import 3 post(s) (4 target(s))" in out
    assert counts(db_url) == (0, 0)


def test_rows_repeating_an_external_ref_are_refused(accounts, db_url, tmp_path):
    header = [*HEADER, "external_ref"]
    rows = [[*GOOD[2], "ref-1"], [*GOOD[0], "ref-1"]]
    result = accounts("posts", "import", write(tmp_path / "dup.csv", rows, header))
    assert result.code == 1 and "row 3, column external_ref: 'ref-1' repeats row 2" in result.err
    assert counts(db_url) == (0, 0)


def test_a_changed_row_under_an_imported_ref_is_a_conflict(accounts, db_url, tmp_path):
    header = [*HEADER, "external_ref"]
    accounts.ok("posts", "import", write(tmp_path / "a.csv", [[*GOOD[2], "ref-9"]], header))
    changed = [["2030-05-02 08:00", "UTC", "facebook:page", "Day two, edited", "", "", "", "ref-9"]]
    result = accounts("posts", "import", write(tmp_path / "b.csv", changed, header))
    assert result.code == 1 and "'ref-9' was imported before with other content" in result.err
    assert counts(db_url) == (1, 1)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "is empty: expected a header row"),
        (b"   \n", "is empty"),
        (",".join(HEADER).encode() + b"\n", "has a header but no posts"),
        (b"when,where\n1,2\n", "missing column(s) scheduled_at, timezone, accounts"),
        (b"scheduled_at,timezone,accounts,captoin\nnow,UTC,facebook:page,x\n",
         "unknown column(s) captoin"),
    ],
)  # fmt: skip
def test_empty_and_malformed_files_are_refused_clearly(
    accounts, db_url, tmp_path, content, message
):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    result = accounts("posts", "import", str(path))
    assert result.code == 1 and message in result.err, result.err
    assert counts(db_url) == (0, 0)


def test_a_file_that_is_not_utf8_is_refused_with_the_line(accounts, db_url, tmp_path):
    rows = [GOOD[2], ["2030-05-02 09:00", "UTC", "facebook:page", "Café crème", "", "", ""]]
    path = write(tmp_path / "latin1.csv", rows, encoding="latin-1")
    result = accounts("posts", "import", path)
    assert result.code == 1
    assert "is not UTF-8: byte 0xe9 on line 3" in result.err and "CSV UTF-8" in result.err
    assert counts(db_url) == (0, 0)


def test_a_utf8_file_with_bom_from_excel_imports(accounts, db_url, tmp_path):
    path = tmp_path / "excel.csv"
    write(path, [GOOD[2]])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    accounts.ok("posts", "import", str(path))
    assert counts(db_url) == (1, 1)


def test_ten_thousand_rows_import_in_one_go(accounts, db_url, tmp_path):
    rows = [
        [f"2030-06-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}", "Europe/Paris",
         "instagram:shop;facebook:page", f"Post {i} #bulk", "", "", f"https://cdn.example/{i}.jpg"]
        for i in range(10_000)
    ]  # fmt: skip
    path = write(tmp_path / "big.csv", rows)
    started = time.monotonic()
    out = accounts.ok("posts", "import", path).out
    elapsed = time.monotonic() - started
    assert "imported 10000 post(s) (20000 target(s))" in out
    assert counts(db_url) == (10_000, 20_000)
    print(f"\n10,000-row import on {db_url.split(':')[0]}: {elapsed:.1f} s")
    listed = json.loads(accounts.ok("posts", "list", "--json", "--limit", "1").out)
    assert listed["items"][0]["due_at"].startswith("2030-05-31T22:00")  # 06-01 00:00 CEST
