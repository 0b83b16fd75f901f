"""Properties of the CSV import over generated files, plausible and hostile.

- Any bytes: `read_rows` (and `plan_import` after it) returns or raises ImportRejected with a
  clear message naming rows that exist; never anything else.
- A well-formed file (any cells, separators, line ends, blank lines): the rows read back are
  exactly the cells written, numbered as a spreadsheet numbers them.
- Whole imports (read, plan, insert) on the real database: a clear refusal or an insert that
  stores what was planned, that a second import of the same file recognises as imported, and
  the same verdict on SQLite and PostgreSQL.

Derandomized with a bounded number of examples, so CI runs the same cases every time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.scheduling import UTC
from socialsched_dagster.intake.csv_import import ImportRejected, plan_import, read_rows
from socialsched_dagster.intake.csv_reader import MAX_CELL_CHARS
from socialsched_dagster.intake.post_request import FIELDS, REQUIRED, KnownAccount
from socialsched_dagster.store import migrate
from socialsched_dagster.store.accounts import add_account
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.models import Post, PostTarget, utcnow
from socialsched_dagster.store.posts import existing_refs, insert_posts, known_accounts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OPTIONAL = tuple(f for f in FIELDS if f not in REQUIRED)
SEPARATORS = (",", ";", "\t")
LINE_ENDS = ("\n", "\r\n", "\r")
SUMMARY = re.compile(r"^\d+ problem\(s\) in \d+ row\(s\); nothing was imported:$")

PROPERTY = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # each example overwrites the file / rolls back
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def line_count(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def quote(cell: str, separator: str, always: bool = False) -> str:
    """A cell as a careful exporter writes it. (The csv module's writer does not quote a lone
    CR when lines end in LF, so it cannot stand in for one here.)"""
    special = any(c in cell for c in (separator, '"', "\r", "\n")) or cell != cell.strip(" ")
    if always or special:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def assert_clear(exc: ImportRejected, path: Path, text: str | None) -> None:
    message = str(exc)
    assert message.strip() and "Traceback" not in message
    if not exc.errors:
        assert message.startswith(path.name), message
        assert "\n" not in message, message
        return
    first, *lines = message.split("\n")
    assert SUMMARY.match(first), message
    assert all(line.startswith(("  row ", "  ... and ")) for line in lines), message
    limit = line_count(text) if text is not None else 1
    for error in exc.errors:
        assert 1 <= error.row <= limit, (error, limit)
        assert error.reason.strip(), error


# --- any bytes -----------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [",", ";", "\t", '"', '""', "\n", "\r", "\r\n", "\x00", "\ufeff", " ", "é", "😀", "\u2028",
     "now", "UTC", "Europe/Paris", "2030-05-01 09:00", "facebook:page", "instagram:shop",
     "https://cdn.example/a.jpg", "#tag", "x" * 100, *FIELDS, "Text", " owner ", "caption"]
)  # fmt: skip
HEADERS = st.sampled_from(
    ["", "scheduled_at,timezone,accounts,text\n", "scheduled_at;timezone;accounts;text\n",
     "scheduled_at\ttimezone\taccounts\r\n", ",".join(FIELDS) + ",\n", "\ufeffscheduled_at,"]
)  # fmt: skip
TEXTISH = st.builds(
    lambda head, parts: (head + "".join(parts)).encode(), HEADERS, st.lists(TOKENS, max_size=60)
)
# Dense in the characters that carry structure, so odd headers and quotes come up often.
STRUCTURAL = st.builds(
    lambda parts: "".join(parts).encode(),
    st.lists(
        st.sampled_from([",", ";", "\t", '"', "\n", "\r", "\x00", " ", "x", "\ufeff", "text"]),
        max_size=12,
    ),
)
ANY_BYTES = st.one_of(
    st.binary(max_size=200),
    TEXTISH,
    STRUCTURAL,
    STRUCTURAL,
    st.builds(lambda t: t.encode("utf-8", "surrogatepass"), st.text(max_size=200)),
    st.builds(lambda a, b: a + b, TEXTISH, st.binary(max_size=20)),
)
ACCOUNTS = {
    "facebook:page": KnownAccount(1, Platform.FACEBOOK, "active"),
    "instagram:shop": KnownAccount(2, Platform.INSTAGRAM, "active"),
    "youtube:channel": KnownAccount(3, Platform.YOUTUBE, "reauth_required"),
}


@settings(max_examples=2000, **PROPERTY)
@given(content=ANY_BYTES)
def test_any_bytes_give_rows_or_a_clear_refusal(tmp_path, content):
    path = tmp_path / "posts.csv"
    path.write_bytes(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    try:
        rows = read_rows(path)
    except ImportRejected as exc:
        assert_clear(exc, path, text)
        return
    assert text is not None and rows
    numbers = [row.number for row in rows]
    assert numbers == sorted(set(numbers)) and numbers[0] >= 2 and numbers[-1] <= line_count(text)
    for row in rows:
        assert set(REQUIRED) <= set(row) <= set(FIELDS)
        assert all("\x00" not in v and len(v) <= MAX_CELL_CHARS for v in row.values())
    try:
        plan = plan_import(
            rows, known_accounts=ACCOUNTS, already_imported=lambda _refs: {}, now=NOW
        )
    except ImportRejected as exc:
        assert_clear(exc, path, text)
        assert {e.row for e in exc.errors} <= set(numbers)
        return
    assert plan.rows == len(rows) and len(plan.new) == len(rows)


# --- well-formed files read back exactly -----------------------------------------------------

CELL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=25,
)


@st.composite
def well_formed_files(draw):
    columns = list(REQUIRED) + draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    columns = draw(st.permutations(columns))
    separator = draw(st.sampled_from(SEPARATORS))
    line_end = draw(st.sampled_from(LINE_ENDS))
    quote_all = draw(st.booleans())
    records = draw(
        st.lists(st.lists(CELL_TEXT, min_size=len(columns), max_size=len(columns)), max_size=6)
    )
    # Where blank lines go: before record i (index len(records): after the last one).
    blanks = draw(st.lists(st.integers(0, len(records)), max_size=4))
    trailing = draw(st.booleans())  # a separator at the end of every line, header included
    lines, expected, row = [], [], 1
    end = separator if trailing else ""
    lines.append(separator.join(quote(c, separator, quote_all) for c in columns) + end)
    for index in range(len(records) + 1):
        for _ in range(blanks.count(index)):
            lines.append("")
            row += 1
        if index == len(records):
            break
        cells = records[index]
        lines.append(separator.join(quote(c, separator, quote_all) for c in cells) + end)
        row += 1
        if any(c.strip() for c in cells):
            expected.append((row, dict(zip(columns, cells, strict=True))))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return bom + line_end.join(lines) + line_end, expected


@settings(max_examples=300, **PROPERTY)
@given(case=well_formed_files())
def test_well_formed_files_read_back_exactly_with_spreadsheet_row_numbers(tmp_path, case):
    content, expected = case
    path = tmp_path / "posts.csv"
    path.write_bytes(content.encode())
    if not expected:
        with pytest.raises(ImportRejected, match="has a header but no posts"):
            read_rows(path)
        return
    assert [(row.number, dict(row)) for row in read_rows(path)] == expected


# --- whole imports on the real database --------------------------------------------------------

TIMES = st.sampled_from(
    ["2030-05-01 09:00", "2030-05-01T09:00:00+02:00", "now", "2020-01-01 10:00",
     "2030-03-31 02:30", "2030-10-27 02:30", "2030-13-01 09:00", "tomorrow", "",
     " 2030-06-01 8:00 "]
)  # fmt: skip
ZONES = st.sampled_from(
    ["UTC", "Europe/Paris", "America/New_York", "Mars/Base", "", " utc ", "europe/paris", "+02:00"]
)
REFS = st.sampled_from(
    ["facebook:page", "instagram:shop", "youtube:channel", "Facebook:@Page", "tiktok:me",
     "facebook:", "facebook:nobody", ""]
)  # fmt: skip
ACCOUNT_LISTS = st.builds(
    lambda refs, sep: sep.join(refs),
    st.lists(REFS, max_size=3),
    st.sampled_from([";", "|", " ", "; "]),
)
LONG = st.sampled_from([2200, 2201, 5001, 63206, 63207, MAX_CELL_CHARS, MAX_CELL_CHARS + 1]).map(
    lambda n: "x" * n
)
HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ['"', '""', ",", ";", "\t", "\n", "\r\n", "\x00", '"unclosed', 'a"b', "\ufeff", "\u2028",
         "😀" * 10, "é" * 300, "<script>", " ", "#" * 40]
    ),
    LONG,
)  # fmt: skip
PLAUSIBLE = {
    "scheduled_at": TIMES,
    "timezone": ZONES,
    "accounts": ACCOUNT_LISTS,
    "text": st.one_of(
        st.sampled_from(["Launch #new", "Hello, world", "two\nlines", "", "#a " * 31]), LONG
    ),
    "title": st.sampled_from(["Launch video", "", "<b>", "t" * 100, "t" * 101, "t" * 201]),
    "description": st.sampled_from(["Watch it", "", "é" * 2500, "é" * 2501]),
    "link": st.sampled_from(["https://example.com/a", "", "not a url", "h" * 3000]),
    "media": st.sampled_from(
        ["https://cdn.example/a.jpg", "https://cdn.example/v.mp4", "", "ftp://x/a.jpg",
         "image:https://cdn.example/a", "https://cdn.example/a.jpg;https://cdn.example/b.jpg",
         "https://cdn.example/a.png", "video:https://cdn.example/v"]
    ),
    "external_ref": st.sampled_from(["ref-1", "ref-2", "", " ref-1 ", "r" * 255, "r" * 256]),
    "owner": st.sampled_from(["ann", "", "o" * 128, "o" * 129, "Zoë"]),
}  # fmt: skip


# Rows a platform accepts, as templates; a file's rows start from one and may then have a cell
# replaced by a plausible mistake or by hostile text.
VALID_ROWS = st.sampled_from(
    [
        {"accounts": "facebook:page", "text": "Hello, world #new"},
        {"accounts": "Facebook:@Page", "text": "x" * 63206, "link": "https://example.com/a"},
        {"accounts": "facebook:page", "link": "https://example.com/a", "owner": "Zoë"},
        {"accounts": "instagram:shop;facebook:page", "text": "Launch #new",
         "media": "https://cdn.example/a.jpg"},
        {"accounts": "instagram:shop |", "text": "Carousel\non two lines",
         "media": "https://cdn.example/a.jpg https://cdn.example/b.jpg"},
        {"accounts": "youtube:channel", "title": "Launch video", "description": "Watch it",
         "media": "https://cdn.example/v.mp4"},
    ]
)  # fmt: skip
VALID_TIMES = st.sampled_from(["2030-05-01 09:00", "2030-05-01T09:00:00+02:00", "now"])
VALID_ZONES = st.sampled_from(["UTC", "Europe/Paris", "America/New_York"])


@st.composite
def import_files(draw):
    # Mostly every column a template may fill, so that a good share of files are importable.
    every = draw(st.sampled_from([True, True, False]))
    optional = st.lists(st.sampled_from(OPTIONAL), unique=True)
    columns = list(REQUIRED) + (list(OPTIONAL) if every else draw(optional))
    mutation = draw(st.sampled_from(["none"] * 12 + ["drop", "unknown", "duplicate", "case"]))
    if mutation == "drop":
        columns.remove(draw(st.sampled_from(REQUIRED)))
    elif mutation == "unknown":
        columns.append("caption")
    elif mutation == "duplicate":
        columns.append(draw(st.sampled_from(columns)))
    columns = draw(st.permutations(columns))
    header = [f" {c.upper()} " if mutation == "case" else c for c in columns]
    separator = draw(st.sampled_from([",", ",", ";", "\t"]))
    careful = draw(st.sampled_from([True] * 5 + [False]))  # False: nothing quoted
    rows = []
    for number in range(draw(st.integers(1, 3))):
        template = {
            "scheduled_at": draw(VALID_TIMES),
            "timezone": draw(VALID_ZONES),
            "external_ref": draw(st.sampled_from([f"ref-{number}", ""])),
            **draw(VALID_ROWS),
        }
        cells = [template.get(c, "") for c in columns]
        for _ in range(draw(st.sampled_from([0] * 8 + [1, 2]))):
            at = draw(st.integers(0, len(columns) - 1))
            cells[at] = draw(st.one_of(PLAUSIBLE.get(columns[at], HOSTILE), HOSTILE))
        rows.append(cells)
    trailing = separator if draw(st.booleans()) else ""
    lines = [separator.join(quote(c, separator) if careful else c for c in header) + trailing]
    for cells in rows:
        if draw(st.booleans()):
            lines.append("")
        lines.append(separator.join(quote(c, separator) if careful else c for c in cells))
        lines[-1] += trailing
    line_end = draw(st.sampled_from(LINE_ENDS))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + line_end.join(lines) + line_end).encode("utf-8", "surrogatepass")


class _RollBack(Exception):
    """Ends an example's transaction after its checks, so every example starts clean."""

    def __init__(self, verdict):
        super().__init__("roll back")
        self.verdict = verdict


def stored(session, ids):
    rows = session.execute(
        select(Post.owner, Post.text, Post.title, Post.description, Post.link, Post.media,
               Post.timezone, Post.external_ref, Post.content_hash)
        .where(Post.id.in_(ids)).order_by(Post.id)
    ).all()  # fmt: skip
    targets = session.execute(
        select(PostTarget.post_id, PostTarget.account_id, PostTarget.status)
        .where(PostTarget.post_id.in_(ids)).order_by(PostTarget.post_id, PostTarget.account_id)
    ).all()  # fmt: skip
    return [tuple(r) for r in rows], [(ids.index(p), a, s) for p, a, s in targets]


def import_verdict(db: Database, path: Path):
    """('refused', message) or ('imported', what was stored); nothing stays in the database."""
    try:
        rows = read_rows(path)
    except ImportRejected as exc:
        return ("refused", str(exc))

    def work(s):
        try:
            plan = plan_import(
                rows,
                known_accounts=known_accounts(s),
                already_imported=lambda refs: existing_refs(s, refs),
                now=NOW,
            )
        except ValueError as exc:
            raise _RollBack(("refused", str(exc))) from None
        ids = insert_posts(s, plan.new)
        s.flush()
        posts, targets = stored(s, ids)
        assert [p[1:5] for p in posts] == [
            (r.content.text, r.content.title, r.content.description, r.content.link)
            for r in plan.new
        ]
        assert [(p[0], p[5], p[6], p[7]) for p in posts] == [
            (r.owner, [m.as_dict() for m in r.content.media], r.timezone, r.external_ref)
            for r in plan.new
        ]
        again = plan_import(
            rows,
            known_accounts=known_accounts(s),
            already_imported=lambda refs: existing_refs(s, refs),
            now=NOW,
        )
        assert again.new == [] and len(again.unchanged) == len(rows), "re-import not recognised"
        raise _RollBack(("imported", posts, targets))

    try:
        db.transaction(work, name="property import", attempts=1)
    except _RollBack as done:
        return done.verdict
    raise AssertionError("the import transaction was not rolled back")


def add_accounts(db: Database, cipher) -> None:
    def work(s):
        for platform, external_id, handle in [
            (Platform.FACEBOOK, "1000001", "page"),
            (Platform.INSTAGRAM, "1784100001", "shop"),
            (Platform.YOUTUBE, "UC0001", "channel"),
        ]:
            add_account(
                s, cipher, platform=platform, external_id=external_id, handle=handle,
                access_token=f"access-{platform.value}",
                expires_at=utcnow() + timedelta(days=1),
            )  # fmt: skip

    db.transaction(work)


@pytest.fixture
def sqlite_reference(tmp_path, cipher):
    """A second database, SQLite, holding the same accounts: the verdict to compare with."""
    reference = Database(f"sqlite:///{tmp_path / 'reference.db'}")
    migrate.upgrade(reference.engine)
    add_accounts(reference, cipher)
    yield reference
    reference.dispose()


@pytest.fixture
def app_db(db, cipher) -> Database:
    """The test's database (SQLite or PostgreSQL) with the accounts the files name."""
    add_accounts(db, cipher)
    return db


@settings(max_examples=400, **PROPERTY)
@given(content=import_files())
def test_imports_are_refused_clearly_or_stored_and_agree_across_databases(
    app_db, sqlite_reference, tmp_path, content
):
    path = tmp_path / "posts.csv"
    path.write_bytes(content)
    verdict = import_verdict(app_db, path)
    event(verdict[0] if verdict[0] == "imported" else verdict[1].split(":")[0][:40])
    if verdict[0] == "refused":
        message = verdict[1]
        assert message.strip() and "Traceback" not in message
    if not app_db.is_sqlite:
        assert verdict == import_verdict(sqlite_reference, path)
