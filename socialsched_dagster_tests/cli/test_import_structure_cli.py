"""`socialsched posts import` on files whose structure is off: what the user reads, and that
nothing is imported. Each test runs on SQLite and on PostgreSQL (the `accounts` fixture)."""

from __future__ import annotations

import json

import pytest

H = "scheduled_at,timezone,accounts,text"
R = "2030-05-01 09:00,Europe/Paris,facebook:page"


def listed(cli) -> list[dict]:
    return json.loads(cli.ok("posts", "list", "--json").out)["items"]


def refused(cli, tmp_path, content: str):
    path = tmp_path / "posts.csv"
    path.write_bytes(content.encode())
    result = cli("posts", "import", str(path))
    assert result.code == 1, result.all
    assert "Traceback" not in result.all
    assert listed(cli) == []
    return result.err


@pytest.mark.parametrize(
    "content,message",
    [
        (f"{H}\n{R},a\n{R},Hello,facebook:page,\n",
         "row 3: 6 fields but the header has 4 (extra: 'facebook:page'); put a cell that "
         "contains ',' in double quotes"),
        (f"{H}\n{R},a\n2030-05-01 10:00,UTC\n",
         "row 3: 2 fields but the header has 4 (nothing for accounts, text)"),
        (f'{H}\n{R},"a\nb"\n\n\n{R},"unclosed\n{R},x\n',
         "row 5: a double quote opens a cell that never closes"),
        (f"{H}\n{R},a\n\n2030-05-01 10:00,Europe/Paris,facebook:\x00page,x\n",
         "row 4, column accounts: contains a NUL byte"),
        ("scheduled_at;timezone;account;text\n2030-05-01 09:00;UTC;facebook:page;x\n",
         "posts.csv: the file looks separated by semicolons"),
    ],
    ids=["extra-field", "short-row", "unterminated-quote", "nul-byte", "semicolon-hint"],
)  # fmt: skip
def test_structural_problems_name_the_spreadsheet_row(accounts, tmp_path, content, message):
    err = refused(accounts, tmp_path, content)
    assert message in err, err


def test_a_blank_line_keeps_later_row_numbers_equal_to_the_spreadsheets(accounts, tmp_path):
    content = f"{H}\n{R},first\n\n{R},second\n2030-05-01 09:00,Mars/Base,facebook:page,x\n"
    err = refused(accounts, tmp_path, content)
    assert "1 problem(s) in 1 row(s); nothing was imported" in err
    assert "row 5, column timezone: unknown time zone 'Mars/Base'" in err


def test_a_trailing_separator_on_every_row_imports_the_right_values(accounts, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(
        f"{H},\r\n2030-05-01 09:00,America/New_York,facebook:page,Hello,\r\n\r\n"
        f'{R},"two\r\nlines",\r\n'.encode()
    )
    out = accounts.ok("posts", "import", str(path)).out
    assert "imported 2 post(s) (2 target(s)) from 2 row(s)" in out
    items = listed(accounts)
    assert [(i["timezone"], i["account"], i["text"]) for i in items] == [
        ("Europe/Paris", "facebook:page", "two\r\nlines"),
        ("America/New_York", "facebook:page", "Hello"),
    ]


def test_a_semicolon_separated_file_from_excel_imports(accounts, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufeffscheduled_at;timezone;accounts;text;media\r\n"
        '2030-05-01 09:00;Europe/Paris;"instagram:shop;facebook:page";Hello, world;'
        "https://cdn.example/a.jpg\r\n".encode()
    )
    out = accounts.ok("posts", "import", str(path)).out
    assert "imported 1 post(s) (2 target(s)) from 1 row(s)" in out
    items = listed(accounts)
    assert {i["account"] for i in items} == {"instagram:shop", "facebook:page"}
    assert {i["text"] for i in items} == {"Hello, world"}
