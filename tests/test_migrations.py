"""One migration history serves both databases and matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command

from aduan.migrate import alembic_config
from core.db import get_engine
from core.settings import normalise_database_url
from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(database_url: str) -> None:
    """After `upgrade head`, `alembic check` in a fresh process finds nothing to generate.

    A fresh process, because env.py must import every model itself; in the test process they
    are all imported already.
    """
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_platform_database_urls_are_accepted() -> None:
    """postgres:// and postgresql:// from hosting platforms use the psycopg 3 driver."""
    assert normalise_database_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///./aduan.db") == "sqlite:///./aduan.db"


def test_pending_locations_move_out_of_contacts_and_back(tmp_path: Path) -> None:
    """A location kept on a contact before the move is kept in pending_locations after it, and
    a downgrade puts it back on the contact."""
    url = f"sqlite:///{tmp_path / 'moving.db'}"
    config = alembic_config(url)
    command.upgrade(config, "3c7e9a1d5b08")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO contacts (channel, address, language, created_at, pending_latitude,"
                " pending_longitude, pending_location_at) VALUES ('telegram', '42', 'id',"
                " '2026-12-01 08:00:00', -6.99, 110.42, '2026-12-01 08:00:00'),"
                " ('sms', '+6281200000001', 'id', '2026-12-01 08:00:00', NULL, NULL, NULL)"
            )
        )
    command.upgrade(config, "b5d1f3a7c920")
    with engine.connect() as connection:
        moved = connection.execute(
            sa.text(
                "SELECT c.address, p.latitude, p.longitude FROM pending_locations p"
                " JOIN contacts c ON c.id = p.contact_id"
            )
        ).all()
    assert moved == [("42", -6.99, 110.42)]
    command.downgrade(config, "3c7e9a1d5b08")
    with engine.connect() as connection:
        back = connection.execute(
            sa.text("SELECT address, pending_latitude FROM contacts ORDER BY address")
        ).all()
    assert back == [("+6281200000001", None), ("42", -6.99)]
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with no schema yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"aduan_migration_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield url
    get_engine(url).dispose()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_outbox_rows_written_before_subjects_were_kept_get_the_subject_of_their_kind(
    empty_database_url: str,
) -> None:
    """Rows queued before the subject was stored with the message get the subject delivery made
    for them then, in their language."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "3c7e9a1d5b08")
    engine = get_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO contacts (channel, address, language, created_at) "
                "VALUES ('email', 'old@example.com', 'id', :now)"
            ),
            {"now": datetime(2026, 12, 1, tzinfo=UTC)},
        )
        for reference, kind, language in OLD_ROWS:
            connection.execute(
                sa.text(
                    "INSERT INTO notifications (contact_id, reference, kind, channel, language, "
                    "body, status, attempts, next_attempt_at, created_at) VALUES "
                    "(1, :reference, :kind, 'email', :language, 'teks', 'pending', 0, :now, :now)"
                ),
                {
                    "reference": reference,
                    "kind": kind,
                    "language": language,
                    "now": datetime(2026, 12, 1, tzinfo=UTC),
                },
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        subjects = connection.execute(sa.text("SELECT subject FROM notifications ORDER BY id"))
        assert list(subjects.scalars()) == [
            "Aduan ABCD-1234",
            "Complaint ABCD-1234",
            "Kasus terlambat per 2026-12-01",
            "Overdue cases as of 2026-12-01",
            "Eskalasi: aduan EFGH-5678",
            "Escalation: case EFGH-5678",
        ]


OLD_ROWS = (
    ("ABCD-1234", "acknowledgement", "id"),
    ("ABCD-1234", "status_changed", "en"),
    ("2026-12-01", "overdue_digest", "id"),
    ("2026-12-01", "overdue_digest", "en"),
    ("EFGH-5678", "escalation", "id"),
    ("EFGH-5678", "escalation", "en"),
)


def test_coded_history_notes_become_english_text_again_on_downgrade(
    empty_database_url: str,
) -> None:
    """The history's own notes, stored as a code and values, are written back as the English
    sentences they were before; a person's note is left as typed, and upgrading again keeps
    those sentences as text, shown as they are."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    engine = get_engine(empty_database_url)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cases (tracking_code, status, text, language, source_channel, notify,"
                " created_at, updated_at) VALUES ('ABCD-2345', 'closed', 'Jalan berlubang', 'id',"
                " 'web', :yes, :now, :now)"
            ),
            {"yes": True, "now": now},
        )
        events = sa.table(
            "case_events",
            sa.column("case_id", sa.Integer),
            sa.column("kind", sa.String),
            sa.column("internal_note", sa.Text),
            sa.column("note_code", sa.String),
            sa.column("note_params", sa.JSON),
            sa.column("actor", sa.String),
            sa.column("created_at", sa.DateTime),
        )
        for internal_note, code, params in (
            (None, "auto_closed", {"days": 7}),
            (None, "escalated_to_supervisors", {"hours": 73, "told": "sari"}),
            (None, "not_fixed", None),
            ("Survei besok", None, None),
        ):
            connection.execute(
                sa.insert(events).values(
                    case_id=1,
                    kind="note",
                    internal_note=internal_note,
                    note_code=code,
                    note_params=params,
                    actor="system",
                    created_at=now,
                )
            )
    command.downgrade(config, "b7d4e2a9c3f1")
    english = [
        "closed automatically 7 days after resolved",
        "Escalated to the city supervisors. 73 h past due; told: sari",
        "citizen reports it is not fixed",
        "Survei besok",
    ]
    with engine.connect() as connection:
        notes = connection.execute(sa.text("SELECT internal_note FROM case_events ORDER BY id"))
        assert list(notes.scalars()) == english
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT internal_note, note_code FROM case_events ORDER BY id")
        ).all()
    assert rows == [(note, None) for note in english]
