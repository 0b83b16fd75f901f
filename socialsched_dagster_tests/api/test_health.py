"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from socialsched_dagster.store import migrate


def test_healthz_and_readyz_answer_ok_when_database_and_redis_are_there(api):
    client = api.anonymous()
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


def test_readyz_is_503_when_the_schema_is_behind_the_code(tmp_path):
    import httpx

    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.settings import load_settings
    from socialsched_dagster.store.database import Database

    from .server import ApiServer

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    migrate.upgrade(db.engine, "0005")
    try:
        settings = load_settings(
            {"SOCIALSCHED_HOME": str(tmp_path), "SOCIALSCHED_DATABASE_URL": url}
        )
        with ApiServer(create_app(settings, db=db)) as server:
            answer = httpx.get(f"{server.url}/readyz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "unavailable"
        assert (
            answer.json()["checks"]["migrations"]
            == f"at 0005, code needs {migrate.head_revision()}"
        )
    finally:
        db.dispose()
