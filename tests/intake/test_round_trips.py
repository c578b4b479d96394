"""How many statements one complaint costs the database: a guard on the number, not on time.

On PostgreSQL a new complaint writes its contact, case, history row and acknowledgement with
one statement (intake/statement.py); on SQLite with one each. The statements are counted as the
app sends them, by a listener on the engine, through the app's own HTTP interface.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import telegram_post
from tests.helpers import POTHOLE, RUBBISH, sql

# what routing and the SLA calendar ask to learn whether their cached catalogue and holiday
# list changed: at most once a second per process (core/versions.py), so a complaint may or may
# not pay them; every other statement is counted
VERSION_CHECKS = ("FROM holidays", "FROM categories")


@contextmanager
def statements(settings: Settings) -> Iterator[list[str]]:
    """The statements the app sends within the block (version checks left out), and one
    "COMMIT" for each transaction it commits."""
    engine = get_engine(settings.database_url)
    seen: list[str] = []

    def executed(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not any(check in statement for check in VERSION_CHECKS):
            seen.append(" ".join(statement.split()))

    def committed(_conn) -> None:  # type: ignore[no-untyped-def]
        seen.append("COMMIT")

    sa.event.listen(engine, "before_cursor_execute", executed)
    sa.event.listen(engine, "commit", committed)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", executed)
        sa.event.remove(engine, "commit", committed)


def shape(statement: str) -> str:
    """What a statement does, to which table: "INSERT INTO cases", "SELECT FROM contacts"."""
    found = re.match(r"(INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|COMMIT)", statement)
    if found:
        return found.group(1)
    return "SELECT FROM " + re.search(r" FROM (\w+)", statement).group(1)


def post(client: TestClient, text: str, phone: str, **fields: object) -> dict:
    body = {"text": text, "phone": phone, "notify_via": "sms", **fields}
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_web_complaint_is_one_statement_and_one_commit(
    client: TestClient, settings: Settings
) -> None:
    """A web complaint from a known contact, without a location (no duplicate or
    announcement to look for, no webhook endpoint): on PostgreSQL one statement writes the
    contact, the case, its history and its acknowledgement, one more adds it to its agency's
    day summary, and one COMMIT ends it; on SQLite one statement each."""
    post(client, RUBBISH, "+6281234500001")
    with statements(settings) as seen:
        code = post(client, POTHOLE, "+6281234500001")["tracking_code"]
    if settings.database_url.startswith("postgresql"):
        assert len(seen) == 3 and seen[2] == "COMMIT"
        assert seen[1].startswith("INSERT INTO agency_day_stats")
        written = seen[0]
        assert written.startswith("WITH contact AS (INSERT INTO contacts")
        for table in ("cases", "case_events", "notifications"):
            assert f"INSERT INTO {table} " in written
    else:
        assert [shape(statement) for statement in seen] == [
            "INSERT INTO contacts",
            "INSERT INTO cases",
            "INSERT INTO case_events",
            "SELECT FROM webhook_endpoints",
            "INSERT INTO notifications",
            "INSERT INTO agency_day_stats",
            "COMMIT",
        ]
    rows = sql(
        settings,
        "SELECT e.kind, n.kind, n.status, n.attempts FROM cases c "
        "JOIN case_events e ON e.case_id = c.id JOIN notifications n ON n.case_id = c.id "
        "WHERE c.tracking_code = :code",
        code=code,
    )
    assert [tuple(row) for row in rows] == [("created", "acknowledgement", "pending", 0)]


def test_a_telegram_complaint_writes_the_case_in_one_statement(
    client: TestClient, settings: Settings
) -> None:
    """Through the Telegram webhook the conversation reads and writes what it needs; the
    complaint itself (contact, case, history, acknowledgement) is one statement on
    PostgreSQL."""
    telegram_post(client, tg.text("/start"))
    with statements(settings) as seen:
        assert telegram_post(client, tg.text(POTHOLE)).status_code == 200
    filing = [statement for statement in seen if "INSERT INTO cases" in statement]
    assert len(filing) == 1
    if settings.database_url.startswith("postgresql"):
        for table in ("contacts", "case_events", "notifications"):
            assert f"INSERT INTO {table} " in filing[0]
    else:
        assert filing[0].startswith("INSERT INTO cases")
    assert sql(settings, "SELECT count(*) FROM notifications WHERE kind = 'acknowledgement'") == [
        (1,)
    ]


@pytest.mark.parametrize("stored", ["en", "id"])
def test_the_contacts_language_decides_when_the_complaint_names_none(
    client: TestClient, settings: Settings, stored: str
) -> None:
    """A complaint that names no language is filed and acknowledged in the language its
    contact has (on PostgreSQL the statement keeps the acknowledgement rendered in a new
    contact's language when that is the case's; another is rendered after it); only that one
    is queued."""
    post(client, RUBBISH, "+6281234500002", language=stored)
    code = post(client, POTHOLE, "+6281234500002")["tracking_code"]
    rows = sql(
        settings,
        "SELECT c.language, n.language, n.body FROM cases c "
        "JOIN notifications n ON n.case_id = c.id WHERE c.tracking_code = :code",
        code=code,
    )
    assert len(rows) == 1
    case_language, message_language, body = rows[0]
    assert (case_language, message_language) == (stored, stored)
    assert body.startswith("Complaint " if stored == "en" else "Aduan ")
