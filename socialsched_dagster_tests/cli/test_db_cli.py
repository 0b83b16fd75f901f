import pytest

from socialsched_dagster.store import migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_cli(request, tmp_path, token_key):
    import os

    from .conftest import Cli

    url = (
        f"sqlite:///{tmp_path / 'new.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_pg_url")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALSCHED_")}
    env.update(SOCIALSCHED_DATABASE_URL=url, SOCIALSCHED_HOME=str(tmp_path / "h"))
    return Cli(env)


def test_commands_ask_for_an_upgrade_until_the_schema_exists(fresh_cli, tmp_path):
    before = fresh_cli("accounts", "list")
    assert before.code == 1 and "run `socialsched db upgrade`" in before.err
    # It names the database it looked for, and creates none (only `db upgrade` does).
    assert "new.db" in before.err or "socialsched_test_" in before.err
    assert not (tmp_path / "new.db").exists()
    assert f"schema {migrate.head_revision()}" in fresh_cli.ok("db", "upgrade").out
    assert fresh_cli.ok("accounts", "list").out.startswith("no accounts yet")
    assert "base" in fresh_cli.ok("db", "downgrade", "base").out
    assert fresh_cli("accounts", "list").code == 1
    fresh_cli.ok("db", "upgrade")
    assert fresh_cli.ok("db", "current").out.startswith(migrate.head_revision())
