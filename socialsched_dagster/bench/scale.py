"""The "scale" scenario: is one due-posts sensor tick still cheap with a million targets?

The sensor runs every 10 s for the life of a deployment, and `post_targets` only grows (history
is kept). This seeds a PostgreSQL database with a realistic history (a month published or
failed, a month scheduled ahead, a batch due right now), then times the due query alone and the
real sensor evaluated through Dagster, and EXPLAINs the due query to show it stays an index
range scan. Seeding is set-based SQL (generate_series), not ORM objects: a million rows through
the ORM would take minutes and measure the seeding, not the sensor.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

from sqlalchemy import event, text

from ..domain.platforms import Platform
from ..publishing.summary import percentile
from ..store import migrate
from ..store.database import Database
from ..store.due import due_windows, mark_missed
from ..store.engine import is_sqlite
from ..store.models import utcnow

ACCOUNTS_PER_PLATFORM = 1_000
# Posts due within a minute of the seed, each on every platform: the sensor's work.
DUE_NOW_POSTS = 100
# No other post falls this close to now, so the due set is fixed while the scenario runs
# (history ends a minute ago, the future starts in ten) and every tick does the same work.
PAST_GAP = timedelta(minutes=1)
FUTURE_GAP = timedelta(minutes=10)
HISTORY = timedelta(days=30)

_ACCOUNTS = """
INSERT INTO accounts (id, platform, external_id, handle, handle_key, owner, status, created_at,
                      updated_at)
SELECT (pl.ord - 1) * :a + g.a + 1, pl.name, 'scale-' || pl.ord || '-' || g.a,
       'scale_' || pl.name || '_' || g.a, 'scale_' || pl.name || '_' || g.a, 'owner-' || g.a,
       'active',
       :now - interval '90 days', :now - interval '90 days'
FROM unnest(CAST(:platforms AS varchar[])) WITH ORDINALITY AS pl (name, ord),
     generate_series(0, :a - 1) AS g (a)
"""

# Post k: the first DUE_NOW_POSTS are due within +-30 s of now; of the rest, half lie in the
# past month and half in the next. Every post goes to one account (of the same owner) on each
# platform, so it carries a video, a caption and a title (the sensor reads none of them).
_POSTS = """
INSERT INTO posts (id, owner, text, title, description, link, media, scheduled_at, timezone,
                   external_ref, content_hash, created_at, updated_at)
SELECT k + 1, 'owner-' || (k % :a), 'scale post ' || k || ' #bench', 'scale video ' || k,
       'benchmark post', '',
       json_build_array(json_build_object(
           'url', 'https://cdn.example.com/scale/' || k || '.mp4', 'kind', 'video')),
       due, 'UTC', 'scale-' || k, encode(sha256(convert_to('scale post ' || k, 'UTF8')), 'hex'),
       LEAST(due, :now) - interval '2 days', LEAST(due, :now) - interval '2 days'
FROM (
    SELECT k, CASE
        WHEN k < :due_now THEN :now + (k * 60.0 / :due_now - 30) * interval '1 second'
        WHEN k - :due_now < :past THEN :now - :history + random() * (:history - :past_gap)
        ELSE :now + :future_gap + random() * (:history - :future_gap)
    END AS due
    FROM generate_series(0, :posts - 1) AS k
    OFFSET 0  -- a fence: random() once per row, not once per reference to `due`
) AS s
"""

# Target i: post i / p on platform i % p, of the p platforms. History is 90 % published, 5 %
# failed, 3 % missed, 2 % cancelled; the future 98 % scheduled, 2 % cancelled; the due-now
# batch all scheduled.
_TARGETS = """
INSERT INTO post_targets (id, post_id, account_id, platform, due_at, status, attempts,
                          external_post_id, error_kind, error_code, error_message,
                          published_at, created_at, updated_at)
SELECT i + 1, post_id, (i % :p) * :a + (i / :p) % :a + 1,
       (CAST(:platforms AS varchar[]))[i % :p + 1], due_at, status,
       CASE status WHEN 'published' THEN 1 WHEN 'failed' THEN 3 ELSE 0 END,
       CASE WHEN status = 'published' THEN 'ext-' || i END,
       CASE WHEN status = 'failed' THEN 'validation' END,
       CASE WHEN status = 'failed' THEN 'media_rejected' END,
       CASE status WHEN 'failed' THEN 'the platform rejected the video'
                   WHEN 'missed' THEN 'not published before the stale cutoff' END,
       CASE WHEN status = 'published' THEN due_at + interval '2 seconds' END,
       LEAST(due_at, :now) - interval '2 days',
       CASE WHEN due_at < :now THEN due_at + interval '2 seconds'
            ELSE LEAST(due_at, :now) - interval '2 days' END
FROM (
    SELECT g.i, p.id AS post_id, p.scheduled_at AS due_at, CASE
        WHEN p.scheduled_at > :now + :past_gap
            THEN CASE WHEN g.r < 0.98 THEN 'scheduled' ELSE 'cancelled' END
        WHEN p.scheduled_at >= :now - :past_gap THEN 'scheduled'
        WHEN g.r < 0.90 THEN 'published'
        WHEN g.r < 0.95 THEN 'failed'
        WHEN g.r < 0.98 THEN 'missed'
        ELSE 'cancelled'
    END AS status
    FROM (SELECT i, random() AS r FROM generate_series(0, :n - 1) AS i OFFSET 0) AS g
    JOIN posts AS p ON p.id = g.i / :p + 1
    OFFSET 0  -- a fence: `status` computed once, not re-evaluated per column
) AS t
"""


def seed(db: Database, targets: int) -> dict[str, int]:
    """Accounts, posts and exactly `targets` targets, in three statements; returns the counts."""
    platforms = [p.value for p in Platform]
    posts = math.ceil(targets / len(platforms))
    due_now = min(DUE_NOW_POSTS, posts)
    params = {
        "a": ACCOUNTS_PER_PLATFORM,
        "platforms": platforms,
        "p": len(platforms),
        # Naive UTC, as the UTCDateTime columns store it; the server's now() is not used
        # because the server's time zone is not ours to assume.
        "now": utcnow().replace(tzinfo=None),
        "n": targets,
        "posts": posts,
        "due_now": due_now,
        "past": (posts - due_now) // 2,
        "history": HISTORY,
        "past_gap": PAST_GAP,
        "future_gap": FUTURE_GAP,
    }
    with db.engine.begin() as conn:
        # The engine's 30 s statement_timeout guards live traffic, not a bulk load.
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SELECT setseed(0.42)"))  # the same history on every run
        for statement in (_ACCOUNTS, _POSTS, _TARGETS):
            conn.execute(text(statement), params)
        # Explicit ids were inserted: move the sequences past them for later inserts.
        for table in ("accounts", "posts", "post_targets"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE accounts, posts, post_targets"))
    return {"accounts": len(platforms) * ACCOUNTS_PER_PLATFORM, "posts": posts, "targets": targets}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _stats(prefix: str, samples: list[float]) -> dict[str, float]:
    return {
        f"{prefix}_p50": _ms(percentile(samples, 50)),
        f"{prefix}_p95": _ms(percentile(samples, 95)),
        f"{prefix}_max": _ms(max(samples)),
    }


def _due_query(db: Database, repetitions: int, lead: timedelta, stale_after: timedelta):
    """Times `due_windows`, the sensor's read, as the sensor sends it (a fresh session)."""
    samples = []
    for _ in range(repetitions):
        now = utcnow()
        started = time.perf_counter()
        with db.session() as session:
            due_windows(session, now=now, ready_by=now + lead, stale_before=now - stale_after)
        samples.append(time.perf_counter() - started)
    return samples


def _explain(db: Database, lead: timedelta, stale_after: timedelta) -> tuple[bool, str]:
    """EXPLAIN ANALYZE of every statement a tick's `plan()` sends, captured from the real
    functions rather than rewritten here; rolled back (mark_missed is an UPDATE)."""
    sent: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "post_targets" in statement:
            sent.append((statement, parameters))

    now = utcnow()
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session() as session:
            mark_missed(session, stale_before=now - stale_after, now=now)
            due_windows(session, now=now, ready_by=now + lead, stale_before=now - stale_after)
            session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    plans = []
    with db.engine.connect() as conn:
        for statement, parameters in sent:
            rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            plans.append("\n".join(row[0] for row in rows))
        conn.rollback()
    # Each statement (per platform: mark missed, due windows; plus orphaned leases) must reach
    # post_targets through an index: a sequential scan is what a million rows makes slow.
    index_scan = bool(plans) and all(
        "Seq Scan on post_targets" not in p and "Index" in p for p in plans
    )
    first_select = next(
        (p for p, (s, _) in zip(plans, sent, strict=True) if s.startswith("SELECT")), ""
    )
    return index_scan, first_select


def _sensor_ticks(url: str, repetitions: int):
    """Evaluates the real `due_posts_sensor` with its real resources; one untimed cold tick
    first (engine creation and connecting), as a long-lived code server has done it already."""
    from dagster import DagsterInstance, build_sensor_context

    from ..pipeline.definitions import build_definitions
    from ..pipeline.resources.database import DatabaseResource
    from ..pipeline.resources.publishing import PublishingConfig

    sensor = build_definitions().resolve_sensor_def("due_posts_sensor")
    database = DatabaseResource(url=url)
    resources = {"database": database, "publishing": PublishingConfig()}
    samples: list[float] = []
    requested: list[int] = []
    try:
        # Ephemeral: run requests are returned, never launched, and no run is ever live.
        with DagsterInstance.ephemeral() as instance:
            for _ in range(repetitions + 1):
                started = time.perf_counter()
                with build_sensor_context(instance=instance, resources=resources) as context:
                    result = sensor(context)
                samples.append(time.perf_counter() - started)
                requested.append(len(result) if isinstance(result, list) else 0)
    finally:
        database.get_database().dispose()  # the process-wide engine of that URL
    return samples[0], samples[1:], requested[1:]


def run_scale(database_url: str, *, targets: int = 1_000_000, repetitions: int = 20) -> dict:
    """Empties the database's schema, seeds `targets` targets, measures; PostgreSQL only."""
    from ..pipeline.resources.publishing import PublishingConfig

    if is_sqlite(database_url):
        raise ValueError(
            "the scale scenario needs PostgreSQL (set-based seeding, EXPLAIN ANALYZE); "
            "pass a postgresql:// URL"
        )
    db = Database(database_url)
    try:
        migrate.downgrade(db.engine, "base")
        migrate.upgrade(db.engine)
        started = time.perf_counter()
        counts = seed(db, targets)
        seed_s = time.perf_counter() - started
        config = PublishingConfig()
        lead = timedelta(seconds=config.sensor_lead_s)
        stale_after = config.settings().stale_after
        due_samples = _due_query(db, repetitions, lead, stale_after)
        index_scan, plan = _explain(db, lead, stale_after)
    finally:
        db.dispose()
    cold, tick_samples, requested = _sensor_ticks(database_url, repetitions)
    return {
        "scenario": "scale",
        **counts,
        "seed_s": round(seed_s, 1),
        **_stats("due_query_ms", due_samples),
        **_stats("sensor_tick_ms", tick_samples),
        "sensor_tick_cold_ms": _ms(cold),
        # Constant across ticks (nothing is launched, nothing becomes due): one number.
        "runs_requested": max(requested),
        "index_scan": index_scan,
        "plan": plan,
    }
