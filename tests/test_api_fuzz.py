"""Schemathesis against the app's own OpenAPI schema: generated requests, signed in as a
supervisor, must never get a 5xx or a response that contradicts the schema.

Left out: the check that every schema-valid request is accepted. Some rules cannot be said in
JSON Schema (a phone number's digits, "notify by SMS" needing a phone); those answer a 422 with
the reason, which the schema documents and the conformance checks still hold to.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aduan.app import create_app
from core.settings import Settings
from tests.helpers import create_staff, login

pytestmark = pytest.mark.runs_long

# bounded so `make test` stays minutes, not hours; raise locally to dig deeper
MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_holds_to_the_schema(settings: Settings, client: TestClient) -> None:
    create_staff(settings, "fuzz.supervisor", "supervisor")
    headers = login(client, "fuzz.supervisor")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the whole public and staff API, not an empty schema

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def holds(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        holds()


def test_a_nul_character_is_refused_not_a_server_error(
    settings: Settings, client: TestClient
) -> None:
    """Found by the fuzzing above: PostgreSQL cannot store NUL, which was a 500."""
    create_staff(settings, "fuzz.supervisor", "supervisor")
    headers = login(client, "fuzz.supervisor")
    answer = client.get("/api/v1/cases/export.csv", params={"agency": "\x00"}, headers=headers)
    assert answer.status_code == 422, answer.text
    filed = client.post("/api/v1/complaints", json={"text": "Jalan rusak\x00 di Jl. Pemuda"})
    # PostgreSQL cannot store it; SQLite could, but the same complaint is refused on both
    assert filed.status_code == 422, filed.text


def test_a_cursor_past_any_row_id_is_refused(settings: Settings, client: TestClient) -> None:
    """Found by the fuzzing above: a cursor over 64 bits was a 500 on SQLite."""
    largest = 2**31 - 1  # row ids are 32-bit integers
    create_staff(settings, "fuzz.supervisor", "supervisor")
    headers = login(client, "fuzz.supervisor")
    for too_big in (largest + 1, 2**63):
        answer = client.get("/api/v1/cases", params={"cursor": str(too_big)}, headers=headers)
        assert answer.status_code == 422, answer.text
    last = client.get("/api/v1/cases", params={"cursor": str(largest)}, headers=headers)
    assert last.status_code == 200, last.text
