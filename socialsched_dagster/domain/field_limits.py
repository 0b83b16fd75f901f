"""How long each stored field may be: checked at intake, so SQLite (which does not enforce
VARCHAR lengths) and PostgreSQL (which refuses with a raw error) give the same clear verdict.
The models size their columns from these numbers, so the two cannot drift apart."""

from __future__ import annotations

MAX_HANDLE = 100
MAX_EXTERNAL_ID = 128
MAX_OWNER = 128
MAX_EXTERNAL_REF = 255
MAX_TITLE = 200
MAX_TIMEZONE = 64
# Longer than any platform's text limit (Facebook's 63,206 is the largest): a bound for fields
# no platform rule covers (a YouTube-only post's text, a link), so nothing unbounded is stored.
MAX_TEXT = 65_536
MAX_URL = 2048
# Segments in a thread of posts, the head included: a bound of ours, longer than threads people
# write and short enough that one post never holds a run for long.
MAX_THREAD_SEGMENTS = 25
