"""Running the alembic migrations from code, so `aduan db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str) -> None:
    """Bring the schema to the newest revision; safe to run on every release."""
    command.upgrade(alembic_config(database_url), "head")
