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

pytestmark = pytest.mark.runs_long

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


def test_staff_mail_moves_from_contacts_to_the_users_and_back(empty_database_url: str) -> None:
    """Outbox rows of an e-mail contact that only stood for a staff account (a user's address,
    active or not, with no case or subscription of a citizen) move to that user and the contact
    goes; a contact at a staff address that a citizen's case or subscription uses stays, rows
    and all. The downgrade puts the users' rows back on e-mail contacts of their addresses."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "b7d4e2a9c3f1")
    engine = get_engine(empty_database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:

        def insert(statement: str, **values: object) -> None:
            connection.execute(sa.text(statement), {"now": now, **values})

        for username, address, active in STAFF:
            insert(
                "INSERT INTO users (username, password_hash, role, email, active, created_at) "
                "VALUES (:u, 'x', 'officer', :e, :a, :now)",
                u=username,
                e=address,
                a=active,
            )
        for channel, address in CONTACTS:
            insert(
                "INSERT INTO contacts (channel, address, language, created_at) "
                "VALUES (:c, :a, 'id', :now)",
                c=channel,
                a=address,
            )
        # rina filed a complaint from her work address; sari follows it from hers
        insert(
            "INSERT INTO cases (tracking_code, status, text, language, source_channel, notify,"
            " contact_id, created_at, updated_at) VALUES ('ABCD-1234', 'new', 'Jalan rusak',"
            " 'id', 'web', true, 3, :now, :now)"
        )
        insert(
            "INSERT INTO case_subscribers (case_id, contact_id, language, created_at)"
            " VALUES (1, 4, 'id', :now)"
        )
        for contact_id, reference in OUTBOX:
            insert(
                "INSERT INTO notifications (contact_id, reference, kind, channel, language, body,"
                " subject, status, attempts, next_attempt_at, created_at) VALUES (:c, :r,"
                " 'escalation', 'email', 'id', 'teks', 'subjek', 'pending', 0, :now, :now)",
                c=contact_id,
                r=reference,
            )

    def rows(query: str) -> list:
        with engine.connect() as connection:
            return connection.execute(sa.text(query)).all()

    def addresses() -> list[str]:
        return [address for (address,) in rows("SELECT address FROM contacts ORDER BY address")]

    command.upgrade(config, "d2e9b5d083cf")
    recipients = rows(
        "SELECT c.address, u.username FROM notifications n"
        " LEFT JOIN contacts c ON c.id = n.contact_id"
        " LEFT JOIN users u ON u.id = n.user_id ORDER BY n.id"
    )
    assert recipients == [
        (None, "kadis"),
        (None, "kadis"),
        (None, "lama"),
        ("rina@kota.go.id", None),
        ("sari@kota.go.id", None),
        ("warga@example.com", None),
        ("+6281200000001", None),
    ]
    assert addresses() == [
        "+6281200000001",
        "rina@kota.go.id",
        "sari@kota.go.id",
        "warga@example.com",
    ]
    with engine.begin() as connection:
        # an outbox row names exactly one recipient
        for contact_id, user_id in ((None, None), (3, 1)):
            with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
                connection.execute(
                    sa.text(
                        "INSERT INTO notifications (contact_id, user_id, reference, kind,"
                        " channel, language, body, subject, status, attempts, next_attempt_at,"
                        " created_at) VALUES (:c, :u, 'X', 'escalation', 'email', 'id', 't',"
                        " 's', 'pending', 0, :now, :now)"
                    ),
                    {"c": contact_id, "u": user_id, "now": now},
                )
        # an account's address removed since: its rows have no contact to go back to
        connection.execute(sa.text("UPDATE users SET email = NULL WHERE username = 'lama'"))

    command.downgrade(config, "b7d4e2a9c3f1")
    back = rows(
        "SELECT c.channel, c.address FROM notifications n"
        " JOIN contacts c ON c.id = n.contact_id ORDER BY n.id"
    )
    assert back == [
        ("email", "kadis@kota.go.id"),
        ("email", "kadis@kota.go.id"),
        ("email", "rina@kota.go.id"),
        ("email", "sari@kota.go.id"),
        ("email", "warga@example.com"),
        ("sms", "+6281200000001"),
    ]
    assert addresses() == [
        "+6281200000001",
        "kadis@kota.go.id",
        "rina@kota.go.id",
        "sari@kota.go.id",
        "warga@example.com",
    ]


# (username, e-mail, active)
STAFF = (
    ("kadis", "kadis@kota.go.id", True),
    ("lama", "lama@kota.go.id", False),
    ("rina", "rina@kota.go.id", True),
    ("sari", "sari@kota.go.id", True),
)
# contact ids 1 to 6, in order
CONTACTS = (
    ("email", "kadis@kota.go.id"),
    ("email", "lama@kota.go.id"),
    ("email", "rina@kota.go.id"),
    ("email", "sari@kota.go.id"),
    ("email", "warga@example.com"),
    ("sms", "+6281200000001"),
)
# (contact id, reference) of the outbox rows, in order
OUTBOX = (
    (1, "2026-12-01"),
    (1, "ABCD-1234"),
    (2, "2026-12-01"),
    (3, "ABCD-1234"),
    (4, "ABCD-1234"),
    (5, "ABCD-1234"),
    (6, "ABCD-1234"),
)


def test_stored_contacts_start_unpinned_and_the_pin_goes_on_downgrade(
    empty_database_url: str,
) -> None:
    """Contacts stored before languages could be pinned follow what they write (unpinned); a
    downgrade drops the pin and keeps the contacts."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "b7d4e2a9c3f1")
    engine = get_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO contacts (channel, address, language, created_at) "
                "VALUES ('sms', '+6281200000001', 'en', :now)"
            ),
            {"now": datetime(2026, 12, 1, tzinfo=UTC)},
        )
    command.upgrade(config, "e3a9c5f1d728")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT language, language_pinned FROM contacts"))
        assert [tuple(row) for row in stored] == [("en", False)]
    command.downgrade(config, "b7d4e2a9c3f1")
    with engine.connect() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("contacts")}
        assert "language_pinned" not in columns
        assert connection.execute(sa.text("SELECT language FROM contacts")).scalars().all() == [
            "en"
        ]


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


def test_staff_sessions_replace_the_session_version_and_back(empty_database_url: str) -> None:
    """Accounts keep everything but session_version when sessions move to their own table; a
    downgrade drops the sessions and sets every version to 1, so the old code accepts no token
    or cookie issued since (it reads a missing version as 0)."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "c2f7a4e9d185")
    engine = get_engine(empty_database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (username, password_hash, role, active, session_version,"
                " created_at) VALUES ('dpu', 'x', 'officer', true, 3, :now)"
            ),
            {"now": now},
        )
    command.upgrade(config, "a7c3e9f2d514")
    with engine.begin() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("users")}
        assert "session_version" not in columns
        connection.execute(
            sa.text(
                "INSERT INTO staff_sessions (id, user_id, kind, created_at, last_seen_at,"
                " expires_at) VALUES (:id, 1, 'api', :now, :now, :now)"
            ),
            {"id": "0" * 64, "now": now},
        )
    command.downgrade(config, "c2f7a4e9d185")
    with engine.connect() as connection:
        assert "staff_sessions" not in sa.inspect(connection).get_table_names()
        users = connection.execute(sa.text("SELECT username, session_version FROM users"))
        assert [tuple(row) for row in users] == [("dpu", 1)]


def _outbox_row(connection: sa.Connection, contact_id: int | None, erased: datetime | None) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO notifications (contact_id, reference, kind, channel, language, body, "
            "subject, status, attempts, next_attempt_at, created_at"
            + (", recipient_erased_at" if erased else "")
            + ") VALUES (:contact, 'ABCD-1234', 'acknowledgement', 'sms', 'id', 'teks', "
            "'Aduan ABCD-1234', 'sent', 1, :now, :now" + (", :erased" if erased else "") + ")"
        ),
        {"contact": contact_id, "now": datetime(2026, 12, 1, tzinfo=UTC), "erased": erased},
    )


def test_outbox_rows_of_erased_residents_go_on_downgrade_and_the_old_check_holds_again(
    empty_database_url: str,
) -> None:
    """An outbox row may name no recipient only once its resident was erased; the downgrade
    deletes such rows, keeps the others and checks again that every row names one."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    engine = get_engine(empty_database_url)
    erased = datetime(2026, 12, 6, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO contacts (channel, address, language, language_pinned, created_at) "
                "VALUES ('sms', '+6281200000001', 'id', :no, :now)"
            ),
            {"no": False, "now": erased},
        )
        _outbox_row(connection, 1, None)
        _outbox_row(connection, None, erased)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        _outbox_row(connection, None, None)  # nobody, and nobody was erased
    command.downgrade(config, "f4b8d2c6a913")
    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT contact_id FROM notifications")).scalars()
        assert list(kept) == [1]
        columns = {c["name"] for c in sa.inspect(connection).get_columns("notifications")}
        assert "recipient_erased_at" not in columns
        assert "contact_reveals" not in sa.inspect(connection).get_table_names()
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        _outbox_row(connection, None, None)
    command.upgrade(config, "head")


def test_daily_summaries_are_computed_for_the_cases_already_there_and_go_on_downgrade(
    empty_database_url: str,
) -> None:
    """The migration that brings agency_day_stats counts the existing cases and history on the
    city's days (Asia/Jakarta: a filing at 20:00 UTC is the next day's); the downgrade drops
    the table and keeps the cases."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "c4d9e2a7f1b3")
    engine = get_engine(empty_database_url)
    filed = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cases (tracking_code, status, text, language, source_channel, "
                "notify, created_at, updated_at, due_at) VALUES ('ADU-TEST1', 'triage', "
                "'Lampu jalan mati', 'id', 'web', false, :filed, :filed, :due)"
            ),
            {"filed": filed, "due": datetime(2026, 12, 1, 20, 0, tzinfo=UTC)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, to_status, actor, created_at) "
                "SELECT id, 'created', 'triage', 'citizen', :filed FROM cases"
            ),
            {"filed": filed},
        )
    command.upgrade(config, "ccb40034e723")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT agency_id, day, filed, filed_public, sla_running, received "
                "FROM agency_day_stats ORDER BY day"
            )
        )
        # SQLite hands a raw query's date back as its text
        assert [(row[0], str(row[1]), *row[2:]) for row in rows] == [
            (0, "2026-12-01", 1, 1, 0, 0),
            (0, "2026-12-02", 0, 0, 1, 0),
        ]
    command.downgrade(config, "c4d9e2a7f1b3")
    with engine.connect() as connection:
        assert "agency_day_stats" not in sa.inspect(connection).get_table_names()
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 1


def test_the_search_index_takes_in_the_cases_and_notes_already_there(
    empty_database_url: str,
) -> None:
    """Upgrading to the search index indexes every stored case with its notes, so the words
    of either find it; the downgrade takes the index and its triggers away, and cases are
    written as before."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "ccb40034e723")
    engine = get_engine(empty_database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:

        def insert(statement: str, **values: object) -> None:
            connection.execute(sa.text(statement), {"now": now, **values})

        for number, text in enumerate(("Lampu jalan padam", "Sampah menumpuk di pasar"), 1):
            insert(
                "INSERT INTO cases (tracking_code, status, text, language, source_channel, "
                "notify, created_at, updated_at) "
                "VALUES (:code, 'assigned', :text, 'id', 'web', true, :now, :now)",
                code=f"AAAA-000{number}",
                text=text,
            )
        insert(
            "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at) "
            "VALUES (1, 'note', 'tiang miring dekat trafo', 'officer', :now)"
        )
    command.upgrade(config, "head")
    postgresql = engine.dialect.name == "postgresql"
    search = (
        "SELECT tracking_code FROM cases WHERE search_words @@ case_search_query(:q) ORDER BY id"
        if postgresql
        else "SELECT tracking_code FROM cases WHERE id IN "
        "(SELECT rowid FROM case_search WHERE case_search MATCH :q) ORDER BY id"
    )
    both = "'lampu' & 'trafo'" if postgresql else "lampu trafo"
    with engine.connect() as connection:
        assert connection.execute(sa.text(search), {"q": both}).scalars().all() == ["AAAA-0001"]
        pasar = connection.execute(sa.text(search), {"q": "pasar"}).scalars().all()
        assert pasar == ["AAAA-0002"]
    command.downgrade(config, "ccb40034e723")
    engine.dispose()
    with engine.begin() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("cases")}
        assert "search_words" not in columns
        assert not any(
            t.startswith("case_search") for t in sa.inspect(connection).get_table_names()
        )
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at) "
                "VALUES (2, 'note', 'tanpa indeks', 'officer', :now)"
            ),
            {"now": now},
        )


def test_the_search_index_learns_the_agency_of_the_cases_already_there(
    empty_database_url: str,
) -> None:
    """Upgrading gives every stored case its agency's lexeme in the word index (PostgreSQL), a
    later change of agency moves it, and the downgrade takes the lexemes away; on SQLite the
    FTS5 table and its triggers are left as they were, both ways."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "f059e33b6de3")
    engine = get_engine(empty_database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for number, code in enumerate(("DPU", "DLH"), 1):
            connection.execute(
                sa.text(
                    "INSERT INTO agencies (id, code, name, name_en, kind, active, updated_at) "
                    "VALUES (:id, :code, :code, :code, 'city', true, :now)"
                ),
                {"id": number, "code": code, "now": now},
            )
        for number, agency in enumerate((1, 2, None), 1):
            connection.execute(
                sa.text(
                    "INSERT INTO cases (tracking_code, status, text, language, source_channel, "
                    "notify, created_at, updated_at, agency_id) "
                    "VALUES (:code, 'assigned', 'Jalan gelap', 'id', 'web', true, :now, :now, "
                    ":agency)"
                ),
                {"code": f"AAAA-000{number}", "agency": agency, "now": now},
            )
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at) "
                "VALUES (1, 'note', 'tiang miring', 'officer', :now)"
            ),
            {"now": now},
        )
    sqlite_triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            before = connection.execute(sa.text(sqlite_triggers)).scalars().all()
    command.upgrade(config, "head")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.execute(sa.text(sqlite_triggers)).scalars().all() == before
        command.downgrade(config, "f059e33b6de3")
        with engine.connect() as connection:
            assert connection.execute(sa.text(sqlite_triggers)).scalars().all() == before
        return

    def within(connection: sa.Connection, agency: int, q: str = "'jalan' & 'tiang'") -> list:
        search = (
            "SELECT tracking_code FROM cases WHERE search_words @@ "
            "(case_search_query(:q) && case_search_agency_query(:agency)) ORDER BY id"
        )
        return connection.execute(sa.text(search), {"q": q, "agency": agency}).scalars().all()

    with engine.begin() as connection:
        assert within(connection, 1) == ["AAAA-0001"]
        assert within(connection, 2) == []
        assert within(connection, 2, "'jalan'") == ["AAAA-0002"]
        connection.execute(sa.text("UPDATE cases SET agency_id = 2 WHERE id IN (1, 3)"))
        assert within(connection, 1, "'jalan'") == []
        assert within(connection, 2) == ["AAAA-0001"]
        assert within(connection, 2, "'jalan'") == ["AAAA-0001", "AAAA-0002", "AAAA-0003"]
    command.downgrade(config, "f059e33b6de3")
    engine.dispose()
    with engine.connect() as connection:
        lexemes = connection.execute(
            sa.text("SELECT DISTINCT unnest(tsvector_to_array(search_words)) FROM cases")
        ).scalars()
        assert sorted(lexemes) == ["gelap", "jalan", "miring", "tiang"]


def test_cases_already_there_are_complaints_and_the_kind_goes_on_downgrade(
    empty_database_url: str,
) -> None:
    """Upgrading makes every stored case a complaint, with no trigger of `cases` lost (SQLite's
    search and map triggers go when a batch copies the table); a question is stored as one; the
    downgrade drops the column and keeps the cases."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "bf21af37fde6")
    engine = get_engine(empty_database_url)
    insert = sa.text(
        "INSERT INTO cases (tracking_code, status, text, language, source_channel, notify, "
        "created_at, updated_at) VALUES (:code, 'triage', 'Jalan gelap', 'id', 'web', true, "
        ":now, :now)"
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert, {"code": "AAAA-0001", "now": now})
    triggers = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        if engine.dialect.name == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
    )
    with engine.connect() as connection:
        before = connection.execute(sa.text(triggers)).scalars().all()
    assert before
    command.upgrade(config, "c4e8a2f6d1b3")
    engine.dispose()
    with engine.begin() as connection:
        assert connection.execute(sa.text(triggers)).scalars().all() == before
        connection.execute(insert, {"code": "AAAA-0002", "now": now})
        connection.execute(
            sa.text("UPDATE cases SET case_kind = 'question' WHERE tracking_code = 'AAAA-0002'")
        )
        kinds = connection.execute(sa.text("SELECT case_kind FROM cases ORDER BY id")).scalars()
        assert kinds.all() == ["complaint", "question"]
    command.downgrade(config, "bf21af37fde6")
    engine.dispose()
    with engine.connect() as connection:
        columns = {column["name"] for column in sa.inspect(connection).get_columns("cases")}
        assert "case_kind" not in columns
        assert connection.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 2
        assert connection.execute(sa.text(triggers)).scalars().all() == before


def test_the_search_index_learns_the_starts_of_the_words_already_there(
    empty_database_url: str,
) -> None:
    """Upgrading gives every stored case the starts of its words (PostgreSQL), so that the
    prefix query finds a case by the start of a word of its text or of a note written before;
    the downgrade takes them away again. SQLite is left as it was."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "c4e8a2f6d1b3")
    engine = get_engine(empty_database_url)
    if engine.dialect.name == "sqlite":
        command.upgrade(config, "head")
        command.downgrade(config, "c4e8a2f6d1b3")
        return
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO cases (tracking_code, status, text, language, source_channel, "
                "notify, created_at, updated_at) "
                "VALUES ('AAAA-0001', 'assigned', 'Jalan gelap', 'id', 'web', true, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO case_events (case_id, kind, internal_note, actor, created_at) "
                "VALUES (1, 'note', 'thermostat trafo', 'officer', :now)"
            ),
            {"now": now},
        )
    command.upgrade(config, "head")
    engine.dispose()
    search = "SELECT count(*) FROM cases WHERE search_words @@ case_search_prefix(:word)"
    with engine.connect() as connection:
        for word, matches in (("gel", 1), ("therm", 1), ("thermost", 1), ("gelas", 0)):
            assert connection.execute(sa.text(search), {"word": word}).scalar() == matches
        read_as = "SELECT case_search_prefix(:word)::text"
        assert connection.execute(sa.text(read_as), {"word": "therm"}).scalar() == "'^therm'"
        thermost = connection.execute(sa.text(read_as), {"word": "thermost"}).scalar()
        assert thermost == "'thermost':*"
    command.downgrade(config, "c4e8a2f6d1b3")
    engine.dispose()
    with engine.connect() as connection:
        lexemes = connection.execute(
            sa.text("SELECT unnest(tsvector_to_array(search_words)) FROM cases")
        ).scalars()
        assert sorted(lexemes) == ["gelap", "jalan", "thermostat", "trafo"]
        words = connection.execute(sa.text("SELECT case_search_words('jalan gelap')::text"))
        assert words.scalar() == "'gelap':2 'jalan':1"
