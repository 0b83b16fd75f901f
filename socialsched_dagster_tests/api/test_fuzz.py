"""The API fuzzed from its own OpenAPI document (schemathesis): generated requests to every
operation, with an editor's key and with an admin's, never get a 500, and every answer has a
status the document declares and a body of the schema it declares.

Bounded: a few derandomized examples per operation and pass (well under a minute). On SQLite
only: what is fuzzed is the HTTP contract; the backends' differences for hostile values are
covered on both by test_hostile_api.py, and PostgreSQL's own refusals by the intake tests.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from .custom_world import served

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# (role, generation mode, examples per operation). Negative: values the document forbids,
# which must be refused with a declared status (422 mostly), not crash anything.
PASSES = [
    ("editor", schemathesis.GenerationMode.POSITIVE, 12),
    ("admin", schemathesis.GenerationMode.POSITIVE, 6),
    ("editor", schemathesis.GenerationMode.NEGATIVE, 6),
]


def _fuzz(schema, base_url: str, key: str, mode, examples: int) -> dict[str, str]:
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(
                base_url=base_url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS
            )

        try:
            run()
        except Unsatisfiable:
            pass  # a negative pass over an operation with nothing to get wrong (no parameters)
        except (KeyboardInterrupt, SystemExit):
            raise
        # Each operation's failures, all reported together (schemathesis groups them in a
        # BaseExceptionGroup).
        except BaseException as exc:
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    return failures


def test_generated_requests_get_declared_answers_never_a_500(db, cipher, api_settings):
    # Limits high enough that the fuzzer is never rate limited (429 is declared, but would
    # hide what the requests after it would have found).
    with served(db, cipher, api_settings, rate_per_minute=1_000_000, burst=100_000) as api:
        document = httpx.get(f"{api.url}/api/v1/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document)
        assert len(list(schema.get_all_operations())) >= 15
        failures = {}
        for role, mode, examples in PASSES:
            found = _fuzz(schema, api.url, api.keys[("acme", role)], mode, examples)
            failures.update({f"{role} {mode.value} {op}": text for op, text in found.items()})
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
