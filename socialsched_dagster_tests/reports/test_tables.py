"""Markdown and files of report tables, without the `tabulate` package or a Parquet engine."""

import math

import pandas as pd

from socialsched_dagster.reports.tables import parquet_available, to_markdown_table, write


def test_markdown_escapes_cells_and_marks_missing_values():
    df = pd.DataFrame(
        {
            "platform": ["instagram", "facebook"],
            "rate": [2 / 3, math.nan],
            "error": ["bad | caption\nsecond line", None],
        }
    )
    lines = to_markdown_table(df).splitlines()
    assert lines[0] == "| platform | rate | error |"
    assert lines[1] == "|---|---:|---|"  # numbers right-aligned
    assert lines[2] == "| instagram | 0.667 | bad \\| caption second line |"
    assert lines[3] == "| facebook | n/a | n/a |"


def test_markdown_caps_rows_and_says_where_the_rest_is():
    text = to_markdown_table(pd.DataFrame({"n": range(5)}), max_rows=2)
    assert text.count("\n| ") == 2 and "3 more row(s) in the CSV file." in text
    assert to_markdown_table(pd.DataFrame({"n": []})) == "_No rows._"


def test_write_replaces_files_whole_and_they_read_back(tmp_path):
    df = pd.DataFrame({"platform": ["youtube"], "published": [3], "rate": [None]})
    write(pd.DataFrame({"old": [1]}), tmp_path / "out", "report")
    csv_path, parquet_path = write(df, tmp_path / "out", "report")
    assert csv_path == tmp_path / "out" / "report.csv"
    back = pd.read_csv(csv_path)
    assert list(back.columns) == ["platform", "published", "rate"]
    assert back.loc[0, "published"] == 3 and math.isnan(back.loc[0, "rate"])
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []
    if parquet_available():
        pd.testing.assert_frame_equal(pd.read_parquet(parquet_path), df)
    else:
        assert parquet_path is None


def test_cells_a_spreadsheet_would_execute_are_written_as_text(tmp_path):
    hostile = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "@SUM(A1)", "-2+3",
               "\tcmd", "plain @ mention", "acme_page"]  # fmt: skip
    df = pd.DataFrame({"account": hostile, "published": [-1, 0, 1, 2, 3, 4, 5]})
    csv_path, _ = write(df, tmp_path, "report")
    back = pd.read_csv(csv_path, keep_default_na=False)
    assert list(back["account"][:5]) == ["'" + v for v in hostile[:5]]
    assert list(back["account"][5:]) == hostile[5:]  # harmless text is left as it was
    assert list(back["published"]) == [-1, 0, 1, 2, 3, 4, 5]  # numbers are numbers
    assert df["account"][0].startswith("=")  # the caller's frame is not changed
