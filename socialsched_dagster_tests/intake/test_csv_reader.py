"""The CSV reader: what a user's file turns into, and what each structural problem is called.

Row numbers are the ones a spreadsheet (LibreOffice, Excel) shows for the same file."""

from __future__ import annotations

from datetime import datetime

import pytest

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.scheduling import UTC
from socialsched_dagster.intake.csv_import import ImportRejected, plan_import, read_rows
from socialsched_dagster.intake.csv_reader import MAX_CELL_CHARS
from socialsched_dagster.intake.post_request import KnownAccount

H = "scheduled_at,timezone,accounts,text"
R = "2030-05-01 09:00,Europe/Paris,facebook:page"
POST = {"scheduled_at": "2030-05-01 09:00", "timezone": "Europe/Paris", "accounts": "facebook:page"}


def post(text: str) -> dict[str, str]:
    return {**POST, "text": text}


ACCEPTED = [
    ("trailing separator on every row", f"{H},\n{R},Hello,\n{R},Bye,\n",
     [(2, post("Hello")), (3, post("Bye"))]),
    # pandas took the first column as an index here and blamed good cells
    ("trailing separator on data rows only", f"{H}\n{R},Hello,\n{R},Bye,,\n",
     [(2, post("Hello")), (3, post("Bye"))]),
    ("quoted multi-line cell is one row", f'{H}\n{R},"one\n\ntwo"\n{R},three\n',
     [(2, post("one\n\ntwo")), (3, post("three"))]),
    ("blank lines are rows a spreadsheet shows", f"{H}\n\n{R},a\n\n\n{R},b\n\n",
     [(3, post("a")), (6, post("b"))]),
    ("rows of empty cells are blank rows", f"{H}\n,,,\n{R},a\n  \n{R},b\n",
     [(3, post("a")), (5, post("b"))]),
    ("blank lines before the header", f"\n\n{H}\n{R},a\n", [(4, post("a"))]),
    ("semicolon-separated (Excel in many locales)",
     "scheduled_at;timezone;accounts;text\n"
     '2030-05-01 09:00;Europe/Paris;"facebook:page;instagram:shop";Hello, world\n'
     "2030-05-01 09:00;Europe/Paris;facebook:page|instagram:shop;Bye\n",
     [(2, {**POST, "accounts": "facebook:page;instagram:shop", "text": "Hello, world"}),
      (3, {**POST, "accounts": "facebook:page|instagram:shop", "text": "Bye"})]),
    ("semicolons with a trailing separator", "scheduled_at;timezone;accounts;text;\n"
     "2030-05-01 09:00;Europe/Paris;facebook:page;Hi;\n", [(2, post("Hi"))]),
    ("tab-separated", "scheduled_at\ttimezone\taccounts\ttext\n"
     "2030-05-01 09:00\tEurope/Paris\tfacebook:page\tHi, there\n", [(2, post("Hi, there"))]),
    ("UTF-8 byte order mark", f"\ufeff{H}\n{R},Café\n", [(2, post("Café"))]),
    ("CRLF line ends", f"{H}\r\n{R},a\r\n\r\n{R},\"b\r\nc\"\r\n",
     [(2, post("a")), (4, post("b\r\nc"))]),
    ("CR line ends", f"{H}\r{R},a\r\r{R},b\r", [(2, post("a")), (4, post("b"))]),
    ("header names trimmed, any case", f" Scheduled_At , TIMEZONE,accounts , Text\n{R},a\n",
     [(2, post("a"))]),
    ("a quote inside an unquoted cell is text", f'{H}\n{R},say "hi"\n{R},"x ""y"""\n',
     [(2, post('say "hi"')), (3, post('x "y"'))]),
    ("a cell at the size limit", f"{H}\n{R},{'é' * MAX_CELL_CHARS}\n",
     [(2, post("é" * MAX_CELL_CHARS))]),
]  # fmt: skip


@pytest.mark.parametrize(
    "content,expected", [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_files_read_as_a_spreadsheet_shows_them(tmp_path, content, expected):
    path = tmp_path / "posts.csv"
    path.write_bytes(content.encode())
    rows = read_rows(path)
    assert [(r.number, dict(r)) for r in rows] == expected


LONG = MAX_CELL_CHARS + 1
REJECTED = [
    ("a non-empty extra field names its row", f"{H}\n{R},a\n{R},a,b, c\n",
     ["1 problem(s) in 1 row(s)",
      "row 3: 6 fields but the header has 4 (extra: 'b'); put a cell that contains ',' in "
      "double quotes"]),
    ("a short row", f"{H}\n{R},a\n2030-05-01 09:00,UTC\n",
     ["row 3: 2 fields but the header has 4 (nothing for accounts, text); give every row all "
      "4 fields"]),
    ("a row after a blank line keeps the spreadsheet's number", f"{H}\n{R},a\n\n\n{R}\n",
     ["row 5: 3 fields but the header has 4"]),
    ("a row after a multi-line cell", f'{H}\n{R},"a\nb\nc"\n{R}\n',
     ["row 3: 3 fields but the header has 4"]),
    ("an unquoted line break splits a row", f"{H}\n{R},line one\nline two\n",
     ["row 3: 1 fields but the header has 4", "or a line break in double quotes"]),
    ("semicolon file with an unquoted account list",
     "scheduled_at;timezone;accounts;text\n"
     "2030-05-01 09:00;Europe/Paris;facebook:page;instagram:shop;Hi\n",
     ["row 2: 5 fields but the header has 4 (extra: 'Hi'); put a cell that contains ';' in "
      "double quotes (or write the items of a list with '|' or spaces)"]),
    ("semicolon hint", "scheduled_at;timezone;acounts;text\nnow;UTC;facebook:page;x\n",
     ["posts.csv: the file looks separated by semicolons",
      "missing column(s) accounts; unknown column(s) acounts; the columns are scheduled_at, "]),
    ("tab hint", "scheduled_at\ttz\taccounts\nnow\tUTC\tfacebook:page\n",
     ["the file looks separated by tabs", "unknown column(s) tz"]),
    ("duplicate column", f"{H},Text\n{R},a,b\n",
     ["posts.csv: duplicate column(s) text; the columns are scheduled_at, timezone"]),
    ("a column with no name", f"scheduled_at,,timezone,accounts\n{R},x\n",
     ["posts.csv: no column name in column(s) B; the columns are"]),
    ("missing and unknown columns", "scheduled_at,timezone,acount,caption\nnow,UTC,x,y\n",
     ["missing column(s) accounts; unknown column(s) acount, caption; the columns are"]),
    ("an unterminated quote", f'{H}\n{R},a\n{R},"never closed\n{R},b\n',
     ["row 3: a double quote opens a cell that never closes"]),
    ("a stray quote", f'{H}\n{R},"quoted" then text\n',
     ["row 2: text after the closing double quote of a cell"]),
    ("a quote in the header", f'scheduled_at,"timezone"x,accounts\n{R}\n',
     ["row 1: text after the closing double quote"]),
    ("a NUL byte names row and column", f"{H}\n{R},a\n\n2030-05-01 09:00,Europe/Par\x00is,x,y\n",
     ["row 4, column timezone: contains a NUL byte"]),
    ("an oversize cell", f"{H}\n{R},{'x' * LONG}\n",
     [f"row 2, column text: is {LONG:,} characters, longer than the {MAX_CELL_CHARS:,} a cell "
      "may hold"]),
    ("a quote that swallows the rows after it",
     f'{H}\n{R},"oops\n' + f"{R},{'y' * 1000}\n" * 70 + f'{R},end"\n',
     ["row 2, column text: is ", "a double quote that opened it may never have closed"]),
    ("every structural problem at once",
     f'{H}\n{R},a,b\n{R}\n{R},\x00\n{R},"x"y\n',
     ["4 problem(s) in 4 row(s)", "row 2: 5 fields", "row 3: 3 fields",
      "row 4, column text: contains a NUL", "row 5: text after the closing"]),
    ("header but only blank rows", f"{H}\n\n,,,\n\n", ["posts.csv has a header but no posts"]),
    ("empty file", "", ["posts.csv is empty: expected a header row with the columns"]),
    ("only a byte order mark", "\ufeff", ["posts.csv is empty"]),
    ("UTF-16 without byte order mark", f"{H}\n{R},a\n".encode("utf-16-le"),
     ["has NUL bytes in its header", "CSV UTF-8"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "content,fragments", [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED]
)
def test_structural_problems_are_named_by_row(tmp_path, content, fragments):
    path = tmp_path / "posts.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ImportRejected) as caught:
        read_rows(path)
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


def test_not_utf8_names_the_line_also_with_cr_line_ends(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{H}\r{R},ok\r{R},".encode() + "Café".encode("latin-1") + b"\r")
    with pytest.raises(ImportRejected, match=r"is not UTF-8: byte 0xe9 on line 3 .*CSV UTF-8"):
        read_rows(path)


def test_the_error_list_is_capped_with_a_count_of_the_rest(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(f"{H}\n" + f"{R}\n" * 60)
    with pytest.raises(ImportRejected) as caught:
        read_rows(path)
    message = str(caught.value)
    assert message.startswith("60 problem(s) in 60 row(s); nothing was imported")
    assert "row 51: 3 fields" in message and "row 52:" not in message
    assert message.endswith("... and 10 more")


ACCOUNTS = {
    "facebook:page": KnownAccount(1, Platform.FACEBOOK, "active"),
    "instagram:shop": KnownAccount(2, Platform.INSTAGRAM, "active"),
}
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def plan(path):
    return plan_import(
        read_rows(path), known_accounts=ACCOUNTS, already_imported=lambda _refs: {}, now=NOW
    )


def test_validation_errors_after_blank_lines_and_multiline_cells_use_spreadsheet_rows(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        f'{H},external_ref\n{R},"two\nlines",r1\n\n{R},ok,r2\n'
        "2030-05-01 09:00,Mars/Base,facebook:page,x,r3\n\n"
        f"{R},again,r1\n"
    )
    with pytest.raises(ImportRejected) as caught:
        plan(path)
    message = str(caught.value)
    assert "row 5, column timezone: unknown time zone 'Mars/Base'" in message
    assert "row 7, column external_ref: 'r1' repeats row 2" in message


def test_trailing_separators_give_each_value_its_own_column(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(f"{H},owner\n2030-05-01 09:00,America/New_York,facebook:page,Hello,ann,\n")
    result = plan(path)
    [request] = result.new
    assert result.rows == 1 and request.timezone == "America/New_York"
    assert request.content.text == "Hello" and request.owner == "ann"
    assert request.scheduled_at == datetime(2030, 5, 1, 13, 0, tzinfo=UTC)
