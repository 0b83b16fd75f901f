"""The Dagster code location: every asset, check, sensor, schedule and resource."""

from __future__ import annotations

from dagster import Definitions

from .assets.scheduled_posts import scheduled_posts
from .resources.database import DatabaseResource


def build_definitions() -> Definitions:
    return Definitions(
        assets=[scheduled_posts],
        resources={"database": DatabaseResource()},
    )
