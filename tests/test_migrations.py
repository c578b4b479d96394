"""One migration history serves both databases and matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from aduan.migrate import alembic_config
from core.settings import normalise_database_url

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
