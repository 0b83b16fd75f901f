"""Rendering and saving report DataFrames: a Markdown table for the Dagster UI, CSV and Parquet.

The Markdown is built here rather than with `DataFrame.to_markdown`, which needs the `tabulate`
package: it happens to arrive with Dagster today, but nothing in this project declares it.
"""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

MAX_TABLE_ROWS = 200  # the UI renders metadata Markdown in full; keep it readable


def to_markdown_table(df: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> str:
    if df.empty:
        return "_No rows._"
    header = "| " + " | ".join(_cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if _numeric(df[c]) else "---" for c in df.columns) + "|"
    lines = [header, rule]
    for row in df.head(max_rows).itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(df) > max_rows:
        lines.append(f"\n{len(df) - max_rows} more row(s) in the CSV file.")
    return "\n".join(lines)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    elif isinstance(value, pd.Timestamp):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
    else:
        text = str(value)
    # A pipe would end the cell and a newline the row: platform error messages contain both.
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def parquet_available() -> bool:
    return any(importlib.util.find_spec(m) is not None for m in ("pyarrow", "fastparquet"))


def write(df: pd.DataFrame, directory: str | Path, name: str) -> tuple[Path, Path | None]:
    """`<directory>/<name>.csv` and `.parquet` (None when no Parquet engine is installed).

    Each file is written beside its final name and renamed into place, so a reader never sees
    half a report and a re-run replaces the old one whole.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"{name}.csv"
    safe = spreadsheet_safe(df)
    _atomic(csv_path, lambda tmp: safe.to_csv(tmp, index=False))
    parquet_path = None
    if parquet_available():
        parquet_path = directory / f"{name}.parquet"
        _atomic(parquet_path, lambda tmp: df.to_parquet(tmp, index=False))
    return csv_path, parquet_path


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` in a
# caption or a handle would be a link to anywhere, or worse). OWASP's advice: a leading quote
# makes the cell text again, and the quote is not shown.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text cell a spreadsheet would execute neutralised (numbers untouched)."""
    out = df.copy()
    for column in out.columns:
        if _numeric(out[column]) or pd.api.types.is_bool_dtype(out[column]):
            continue
        out[column] = out[column].map(_neutralised)
    return out


def _neutralised(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _atomic(path: Path, save) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
