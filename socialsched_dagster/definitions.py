"""Entry point named in workspace.yaml and pyproject.toml ([tool.dagster])."""

from .pipeline.definitions import build_definitions

defs = build_definitions()
