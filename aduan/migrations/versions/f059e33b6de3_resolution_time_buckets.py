"""agency_day_durations, agency_month_durations: resolution times in buckets

Per agency and city day, and per agency and calendar month; with them, the indexes that read
one bucket's cases.

Revision ID: f059e33b6de3
Revises: 35a2af86e332
Create Date: 2026-12-05 16:10:00

The statistics' median and p90 hours to resolution are read from these counts and the cases of
one bucket (cases/resolution_times.py). The two indexes hold each resolved case's time as the
database computes it, per agency and for all agencies; they are not in the models (alembic's
environment leaves them out of its comparison): an expression is written per database.
The rows of the cases already there are computed here, as `aduan stats rebuild` does, in
CITY_TIMEZONE as the settings give it now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cases.day_stats import rebuild
from core.settings import get_settings

revision: str = "f059e33b6de3"
down_revision: str | None = "35a2af86e332"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUCKETS = tuple(f"d{bucket:02}" for bucket in range(64))
RESOLVED = "status IN ('closed', 'resolved')"
SECONDS = {
    "postgresql": "date_part('epoch', resolved_at - created_at)",
    "sqlite": "strftime('%s', resolved_at) - strftime('%s', created_at)",
}
# PostgreSQL reads the cases' times from the index alone when it holds the columns the
# expression is made of
INCLUDE = {"postgresql": " INCLUDE (resolved_at, created_at)", "sqlite": ""}
INCLUDE_ALL = {"postgresql": " INCLUDE (agency_id, resolved_at, created_at)", "sqlite": ""}


TABLES = ("agency_day_durations", "agency_month_durations")


def upgrade() -> None:
    for table in TABLES:
        op.create_table(
            table,
            sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *(sa.Column(name, sa.Integer(), nullable=False) for name in BUCKETS),
            sa.PrimaryKeyConstraint("agency_id", "day"),
        )
    dialect = op.get_bind().dialect.name
    seconds = SECONDS[dialect]
    op.execute(
        f"CREATE INDEX ix_cases_resolution_time_agency ON cases (agency_id, ({seconds}))"
        f"{INCLUDE[dialect]} WHERE {RESOLVED}"
    )
    op.execute(
        f"CREATE INDEX ix_cases_resolution_time ON cases (({seconds})){INCLUDE_ALL[dialect]} "
        f"WHERE {RESOLVED} AND agency_id IS NOT NULL"
    )
    rebuild(op.get_bind(), get_settings().city_timezone)


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_resolution_time")
    op.execute("DROP INDEX ix_cases_resolution_time_agency")
    for table in TABLES:
        op.drop_table(table)
