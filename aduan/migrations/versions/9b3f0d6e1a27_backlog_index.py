"""partial index for the dashboard's backlog of open cases per agency

Revision ID: 9b3f0d6e1a27
Revises: 7c1e5a9d2b40
Create Date: 2026-11-28 06:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3f0d6e1a27"
down_revision: str | None = "7c1e5a9d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CASES = sa.text("status IN ('triage', 'assigned', 'in_progress', 'waiting')")


def upgrade() -> None:
    op.create_index(
        "ix_cases_open_agency",
        "cases",
        ["agency_id"],
        postgresql_include=["status", "due_at"],
        postgresql_where=OPEN_CASES,
        sqlite_where=OPEN_CASES,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_open_agency", table_name="cases")
