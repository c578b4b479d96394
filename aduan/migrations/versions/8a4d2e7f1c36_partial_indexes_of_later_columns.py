"""index only the rows that have a value: assignee, duplicate, resolution time, provider id

Revision ID: 8a4d2e7f1c36
Revises: 6f3d9b2c4e15
Create Date: 2026-11-29 01:10:00

These columns are NULL when a row is written (a new case has no assignee, no resolution time
and mostly no duplicate; a new outbox row has no provider id yet), so every complaint wrote an
index entry in each that no query looks up: every query of them asks for a value.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a4d2e7f1c36"
down_revision: str | None = "6f3d9b2c4e15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, column, PostgreSQL INCLUDE columns)
INDEXES = [
    ("ix_cases_assignee_id", "cases", "assignee_id", []),
    ("ix_cases_duplicate_of_id", "cases", "duplicate_of_id", []),
    ("ix_cases_resolved_at", "cases", "resolved_at", ["status", "agency_id", "created_at"]),
    ("ix_notifications_provider_message_id", "notifications", "provider_message_id", []),
]


def upgrade() -> None:
    for name, table, column, include in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(
            name,
            table,
            [column],
            postgresql_include=include,
            postgresql_where=where,
            sqlite_where=where,
        )


def downgrade() -> None:
    for name, table, column, include in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_include=include)
