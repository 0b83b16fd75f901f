"""The end-to-end fixtures of the pipeline tests (the sandbox over HTTP, the app DB on SQLite and
PostgreSQL, accounts holding sandbox tokens), re-exported so the report tests use the very same
world. A non-root conftest may not declare `pytest_plugins`, hence the import."""

from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401
    World,
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)
