"""the dashboard's filings and forwards read a partial index of those events only

Revision ID: 6f3d9b2c4e15
Revises: 5e2c8a1f7b93
Create Date: 2026-11-28 17:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6f3d9b2c4e15"
down_revision: str | None = "5e2c8a1f7b93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PASSING_ON = sa.text("kind IN ('created', 'forwarded')")
INCLUDED = ["kind", "from_agency_id", "to_agency_id"]


def upgrade() -> None:
    op.create_index(
        "ix_case_events_passing_on",
        "case_events",
        ["created_at"],
        postgresql_include=INCLUDED,
        postgresql_where=PASSING_ON,
        sqlite_where=PASSING_ON,
    )
    op.drop_index("ix_case_events_created_at", table_name="case_events")


def downgrade() -> None:
    op.create_index(
        "ix_case_events_created_at", "case_events", ["created_at"], postgresql_include=INCLUDED
    )
    op.drop_index("ix_case_events_passing_on", table_name="case_events")
