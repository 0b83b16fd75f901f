from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text

from socialsched_dagster.store import migrate
from socialsched_dagster.store.database import Database
from socialsched_dagster.store.models import Account, Base, Post, PostTarget

TABLES = {"accounts", "oauth_tokens", "posts", "post_targets", "publish_attempts"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("empty_pg_url")


def test_upgrade_creates_the_schema_the_models_describe_and_downgrade_removes_it(empty_url):
    db = Database(empty_url)
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"

    migrate.downgrade(db.engine, "base")
    assert not TABLES & set(inspect(db.engine).get_table_names())
    assert migrate.current_revision(db.engine) is None
    migrate.upgrade(db.engine)  # and up again, as after a rollback of a bad deploy
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    db.dispose()


def _fill(db: Database, n: int) -> None:
    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Account),
            [
                {"id": i + 1, "platform": p, "external_id": str(i), "handle": f"h{i}",
                 "status": "active", "created_at": start, "updated_at": start}
                for i, p in enumerate(["instagram", "facebook", "youtube"])
            ],
        )  # fmt: skip
        conn.execute(
            insert(Post),
            [
                {"id": i + 1, "scheduled_at": start, "timezone": "UTC", "content_hash": "x",
                 "text": "", "title": "", "description": "", "link": "", "media": [],
                 "created_at": start, "updated_at": start}
                for i in range(n)
            ],
        )  # fmt: skip
        statuses = ["published"] * 8 + ["scheduled", "failed"]
        conn.execute(
            insert(PostTarget),
            [
                {"post_id": i + 1, "account_id": i % 3 + 1,
                 "platform": ["instagram", "facebook", "youtube"][i % 3],
                 "due_at": start + timedelta(seconds=i * 7), "status": statuses[i % 10],
                 "attempts": 0, "created_at": start, "updated_at": start}
                for i in range(n)
            ],
        )  # fmt: skip


DUE = (
    "SELECT id FROM post_targets WHERE status = 'scheduled' AND platform = 'instagram' "
    "AND due_at < '2026-12-01 12:00:00' ORDER BY due_at LIMIT 100"
)


def test_due_targets_by_platform_is_an_index_scan(db):
    _fill(db, 20_000)
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN QUERY PLAN " + DUE)))
        else:
            conn.exec_driver_sql("ANALYZE post_targets")
            plan = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + DUE)))
    assert "ix_post_targets_due" in plan, plan
    assert "Seq Scan" not in plan and "SCAN post_targets" not in plan, plan


def _accounts_at_0002(url: str, handles: list[str]) -> Database:
    db = Database(url)
    migrate.upgrade(db.engine, "0002")
    stamp = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with db.engine.begin() as conn:
        for n, handle in enumerate(handles):
            conn.execute(
                text(
                    "INSERT INTO accounts (platform, external_id, handle, status, created_at, "
                    "updated_at) VALUES ('facebook', :eid, :handle, 'active', :at, :at)"
                ),
                {"eid": str(n), "handle": handle, "at": stamp},
            )
    return db


def test_upgrade_gives_existing_accounts_their_handle_key_and_enforces_it(empty_url):
    db = _accounts_at_0002(empty_url, ["Acme_Page", "other"])
    migrate.upgrade(db.engine)
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT handle, handle_key FROM accounts ORDER BY id")).all()
    assert [tuple(k) for k in keys] == [("Acme_Page", "acme_page"), ("other", "other")]
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            insert(Account),
            {"platform": "facebook", "external_id": "9", "handle": "ACME_PAGE", "status": "active"},
        )
    db.dispose()


def test_upgrade_refuses_accounts_whose_handles_differ_only_in_case(empty_url):
    db = _accounts_at_0002(empty_url, ["Shop", "shop", "fine"])
    with pytest.raises(RuntimeError, match=r"differ only in the case.*facebook: Shop, shop"):
        migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == "0002"  # nothing half-done
    db.dispose()
