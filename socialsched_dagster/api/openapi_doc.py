"""The OpenAPI document of `/api/v1`, as checked into the repo (`openapi/v1.json`): a test
compares the two, so a change to the API's contract is always a reviewed change to that file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

CHECKED_IN = Path(__file__).resolve().parents[2] / "openapi" / "v1.json"


def document() -> dict:
    from ..settings import load_settings
    from .app import create_app

    # Described from the routes alone: an in-memory database that is never connected to.
    settings = dataclasses.replace(load_settings(), database_url="sqlite://")
    return create_app(settings).openapi()
