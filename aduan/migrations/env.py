"""Alembic environment: one migration history for SQLite and PostgreSQL."""

from alembic import context
from sqlmodel import SQLModel

from core.db import get_engine, import_models
from core.settings import get_settings

config = context.config
import_models()  # every table, for autogenerate to see them all
target_metadata = SQLModel.metadata


def modelled(name: str | None, type_: str, parent_names: dict) -> bool:
    """Whether autogenerate compares this object with the models: not the search index, which
    only migration b298edcb3ea1 and its triggers keep (the FTS5 table `case_search` and its
    shadow tables on SQLite; `cases.search_words` and its index on PostgreSQL), nor the
    resolution-time indexes of migration f059e33b6de3 (an expression per database)."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith("case_search")
    return name not in (
        "search_words",
        "ix_cases_search_words",
        "ix_cases_resolution_time",
        "ix_cases_resolution_time_agency",
    )


def database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = get_engine(database_url())
    with engine.connect() as connection:
        # batch mode lets ALTER TABLE work on SQLite by copying the table
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_name=modelled,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
