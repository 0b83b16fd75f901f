"""The checked-in OpenAPI document is the served one: a contract change is a reviewed diff."""

from __future__ import annotations

import json

from socialsched_dagster.api.openapi_doc import CHECKED_IN, document


def test_the_checked_in_openapi_document_matches_the_api(api):
    served = api.anonymous().get("/api/v1/openapi.json").json()
    checked_in = json.loads(CHECKED_IN.read_text())
    assert served == document()
    assert served == checked_in, (
        "the API changed: regenerate with `socialsched api openapi > openapi/v1.json`"
    )


def test_every_v1_operation_declares_its_error_shape(api):
    doc = document()
    for path, operations in doc["paths"].items():
        if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
            continue
        for method, operation in operations.items():
            assert "401" in operation["responses"], f"{method.upper()} {path}"
            assert "404" in operation["responses"], f"{method.upper()} {path}"
