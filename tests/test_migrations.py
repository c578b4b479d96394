"""One migration history serves both databases and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import routing.models  # noqa: F401
from aduan.db import get_engine
from aduan.settings import normalise_database_url


def test_migrations_match_the_models(database_url: str) -> None:
    """After `upgrade head` the schema has nothing autogenerate would add or change."""
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_platform_database_urls_are_accepted() -> None:
    """postgres:// and postgresql:// from hosting platforms use the psycopg 3 driver."""
    assert normalise_database_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///./aduan.db") == "sqlite:///./aduan.db"
