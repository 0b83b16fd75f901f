import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job

from socialsched_dagster.definitions import defs
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.pipeline.assets.scheduled_posts import scheduled_posts
from socialsched_dagster.pipeline.resources.database import DatabaseResource

REPO = Path(__file__).resolve().parents[2]


def observe(assets, resources, instance=None, raise_on_error=True):
    """Observe source assets in process, as the UI's "Observe sources" does."""
    job = define_asset_job("observe", selection=AssetSelection.all(include_sources=True))
    job_defs = Definitions(assets=assets, jobs=[job], resources=resources)
    return job_defs.resolve_job_def("observe").execute_in_process(
        instance=instance, raise_on_error=raise_on_error
    )


def test_the_code_location_validates_as_the_ui_loads_it(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate",
         "-w", str(REPO / "workspace.yaml")],
        cwd=REPO, env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_scheduled_posts_observation_reports_the_backlog(db_url, cipher):
    from socialsched_dagster.demo.seed import seed_demo
    from socialsched_dagster.store.database import Database

    seed_demo(Database(db_url), cipher, posts_per_platform=2)
    result = observe([scheduled_posts], resources={"database": DatabaseResource(url=db_url)})
    assert result.success
    observation = result.asset_observations_for_node("scheduled_posts")[0]
    assert observation.metadata["targets_scheduled"].value == 2 * len(Platform)  # 2 per platform
    assert observation.metadata["next_due_at"].value != "none"


def test_every_asset_has_its_resources():
    defs.resolve_all_job_defs()  # raises if an asset names a resource nobody provides
    assert "database" in defs.resources


def test_production_instance_config_runs_on_postgresql(empty_pg_url, tmp_path, monkeypatch):
    from sqlalchemy.engine import make_url

    url = make_url(empty_pg_url)
    home = tmp_path / "prod_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.production.yaml", home / "dagster.yaml")
    for key, value in {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_USER": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": url.database,
    }.items():
        monkeypatch.setenv(key, value)
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        # A real run recorded through it lands in PostgreSQL.
        result = observe(
            [scheduled_posts],
            instance=instance,
            resources={"database": DatabaseResource(url=f"sqlite:///{tmp_path / 'a.db'}")},
            raise_on_error=False,
        )
        assert instance.get_run_by_id(result.run_id) is not None
