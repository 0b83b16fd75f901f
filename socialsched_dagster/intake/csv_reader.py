"""Reading an import CSV into rows numbered as a spreadsheet shows them, or refusing it.

Built on the standard `csv` module rather than pandas: pandas guesses (a row with one field too
many silently turns the first column into an index and shifts every cell), reports problems in
its own terms ("Expected 5 fields in line 3, saw 6") and drops blank lines without counting
them, so its row numbers drift from what a spreadsheet shows. Here every record the csv module
reads is one spreadsheet row: the header is row 1 (if nothing precedes it), a quoted cell with
line breaks is one row, and a blank line is a row too: skipped, but counted.

Every structural problem of the file is collected and reported as `row N: ...` (or
`row N, column C: ...` when it is one cell's), so one pass over the file shows them all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..domain.field_limits import MAX_TEXT
from .post_request import FIELDS, REQUIRED

MAX_ERRORS_SHOWN = 50
# No legal cell is longer than the longest post text; a longer one is almost always a quote
# that opened a cell and never closed, swallowing the rows after it.
MAX_CELL_CHARS = MAX_TEXT

_SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_SEPARATOR_SHOWN = {",": "','", ";": "';'", "\t": "a tab"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None  # None: the problem is the row's, not one cell's
    reason: str

    def __str__(self) -> str:
        if self.column is None:
            return f"row {self.row}: {self.reason}"
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportRejected(ValueError):
    """The file as a whole is refused; nothing was written."""

    def __init__(self, errors: list[RowError] | str):
        self.errors = [] if isinstance(errors, str) else errors
        if isinstance(errors, str):
            message = errors
        else:
            shown = "\n".join(f"  {e}" for e in errors[:MAX_ERRORS_SHOWN])
            more = len(errors) - MAX_ERRORS_SHOWN
            tail = f"\n  ... and {more} more" if more > 0 else ""
            rows = len({e.row for e in errors})
            message = (
                f"{len(errors)} problem(s) in {rows} row(s); nothing was imported:\n{shown}{tail}"
            )
        super().__init__(message)


class CsvRow(dict):
    """One post row: column name -> cell text, and `number`, the row a spreadsheet shows."""

    def __init__(self, number: int, cells: dict[str, str]):
        super().__init__(cells)
        self.number = number


def read_rows(path: Path) -> list[CsvRow]:
    """The post rows of the CSV at `path`; ImportRejected naming every structural problem."""
    raw = path.read_bytes()
    text = _decode(path.name, raw)
    separator = _separator(text)
    header: list[str] | None = None
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    for row_no, record in _records(text, separator):
        if isinstance(record, csv.Error):
            errors.append(RowError(row_no, None, _parse_problem(record, separator)))
            if header is None:  # without a header no later row can be read
                raise ImportRejected(errors)
            continue
        if not any(cell.strip() for cell in record):
            continue  # a blank row: nothing to import, but it keeps its number
        if header is None:
            header = _check_header(path.name, record, separator)
            continue
        cells, problems = _row_cells(row_no, record, header, separator)
        errors.extend(problems)
        if not problems:
            rows.append(CsvRow(row_no, cells))
    if header is None:
        raise ImportRejected(_empty_message(path.name))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected(f"{path.name} has a header but no posts")
    return rows


def _decode(name: str, raw: bytes) -> str:
    if not raw.strip():
        raise ImportRejected(_empty_message(name))
    try:
        return raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise ImportRejected(
            f"{name} is not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} cannot be read. "
            "Save the file as 'CSV UTF-8' and import again"
        ) from None


def _empty_message(name: str) -> str:
    optional = ", ".join(c for c in FIELDS if c not in REQUIRED)
    return (
        f"{name} is empty: expected a header row with the columns "
        f"{', '.join(REQUIRED)} (and optionally {optional})"
    )


def _records(text: str, separator: str):
    """(row number, cells or the csv.Error of that record) for every record of the file.

    One record is one spreadsheet row, whatever line breaks its quoted cells hold. After an
    error the csv module carries on with the next line, so later problems are reported too."""
    # The csv module refuses cells over its limit (a process-wide setting); no cell can be
    # longer than the file, and our own MAX_CELL_CHARS check names the row and the column.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(
        io.StringIO(text, newline=""),  # CRLF, LF and CR line ends; line breaks kept in cells
        delimiter=separator,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,
        strict=True,  # an unclosed quote or text after a closing quote is an error, not a guess
    )
    row_no = 0
    while True:
        row_no += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield row_no, exc
            continue
        yield row_no, record


def _names(record: list[str]) -> list[str]:
    """Header names as compared (trimmed, lower case), without trailing empty ones: exporters
    that end every line with a separator write one on the header too."""
    names = [cell.strip().lower() for cell in record]
    while names and not names[-1]:
        names.pop()
    return names


def _first_record(text: str, separator: str) -> list[str] | None:
    for _row, record in _records(text, separator):
        if isinstance(record, csv.Error):
            return None
        if any(cell.strip() for cell in record):
            return record
    return None


def _separator(text: str) -> str:
    """Commas, unless the header splits into known column names only on semicolons or tabs.

    Excel in many locales (where the decimal mark is a comma) saves "CSV" with semicolons.
    In such a file a list in one cell (accounts, media) must be in double quotes or written
    with `|` or spaces between items, since an unquoted `;` ends the cell."""
    for separator in (",", ";", "\t"):
        record = _first_record(text, separator)
        if record is None:
            continue
        names = _names(record)
        if len(names) > 1 and all(name in FIELDS for name in names):
            return separator
    return ","


def _check_header(name: str, record: list[str], separator: str) -> list[str]:
    names = _names(record)
    if any("\x00" in n for n in names):
        raise ImportRejected(
            f"{name} has NUL bytes in its header: it is not a UTF-8 text file (UTF-16, or not "
            "text at all). Save the file as 'CSV UTF-8' and import again"
        )
    hint = ""
    if len(names) == 1 and names[0] not in FIELDS:
        other = max(";", "\t", key=names[0].count)
        if other in names[0]:
            hint = (
                f"the file looks separated by {_SEPARATOR_NAMES[other]} (the header is one "
                f"column, {_short(record[0])}); save it separated by commas, or fix the "
                "header: "
            )
            names = _names(record[0].split(other))
    parts = []
    missing = [c for c in REQUIRED if c not in names]
    unknown = list(dict.fromkeys(_name(n) for n in names if n and n not in FIELDS))
    duplicate = list(dict.fromkeys(_name(n) for n in names if n and names.count(n) > 1))
    unnamed = [_column_letter(i) for i, n in enumerate(names) if not n]
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s) {', '.join(unknown)}")
    if duplicate:
        parts.append(f"duplicate column(s) {', '.join(duplicate)}")
    if unnamed:
        parts.append(f"no column name in column(s) {', '.join(unnamed)}")
    if parts or hint:
        raise ImportRejected(
            f"{name}: {hint}{'; '.join(parts)}; the columns are {', '.join(FIELDS)}"
        )
    return names


def _row_cells(
    row_no: int, record: list[str], header: list[str], separator: str
) -> tuple[dict[str, str], list[RowError]]:
    problems: list[RowError] = []
    width, shown = len(header), _SEPARATOR_SHOWN[separator]
    extra = record[width:]
    if any(cell.strip() for cell in extra):
        first = next(cell for cell in extra if cell.strip())
        lists = " (or write the items of a list with '|' or spaces)" if separator != "," else ""
        problems.append(
            RowError(
                row_no,
                None,
                f"{len(record)} fields but the header has {width} (extra: {_short(first)}); "
                f"put a cell that contains {shown} in double quotes{lists}",
            )
        )
    elif len(record) < width:
        problems.append(
            RowError(
                row_no,
                None,
                f"{len(record)} fields but the header has {width} (nothing for "
                f"{', '.join(header[len(record) :])}); give every row all {width} fields, and "
                f"put a cell that contains {shown} or a line break in double quotes",
            )
        )
    cells = dict(zip(header, record, strict=False))
    for column, cell in cells.items():
        if "\x00" in cell:
            problems.append(RowError(row_no, column, "contains a NUL byte (\\x00): remove it"))
        if len(cell) > MAX_CELL_CHARS:
            unclosed = (
                "; a double quote that opened it may never have closed"
                if "\n" in cell or "\r" in cell
                else ""
            )
            problems.append(
                RowError(
                    row_no,
                    column,
                    f"is {len(cell):,} characters, longer than the {MAX_CELL_CHARS:,} "
                    f"a cell may hold{unclosed}",
                )
            )
    return cells, problems


def _parse_problem(exc: csv.Error, separator: str) -> str:
    message = str(exc)
    if "expected after" in message:
        return (
            "text after the closing double quote of a cell; a quoted cell must end with '\"' "
            f"right before {_SEPARATOR_SHOWN[separator]} or the line end, and a '\"' inside it "
            "is written '\"\"'"
        )
    if "unexpected end of data" in message:
        return (
            "a double quote opens a cell that never closes; close it, or write a '\"' inside "
            "a quoted cell as '\"\"'"
        )
    return f"not well-formed CSV ({message})"


def _name(name: str) -> str:
    """A column name as shown in a message: as typed when plain, quoted when it holds line
    breaks or other invisible characters, so the message stays one readable line."""
    if name.isprintable() and len(name) <= 40:
        return name
    return _short(name)


def _short(cell: str) -> str:
    cell = cell.strip()
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def _column_letter(index: int) -> str:
    """A (0), B, ..., Z, AA: as a spreadsheet labels column `index`."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
