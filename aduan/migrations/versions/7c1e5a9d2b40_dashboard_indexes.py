"""indexes for the dashboard's date-range queries

Revision ID: 7c1e5a9d2b40
Revises: 45df677424d9
Create Date: 2026-11-28 06:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e5a9d2b40"
down_revision: str | None = "45df677424d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_created_at", "cases", ["created_at"], postgresql_include=["agency_id"]
    )
    op.create_index(
        "ix_cases_resolved_at",
        "cases",
        ["resolved_at"],
        postgresql_include=["status", "agency_id", "created_at"],
    )
    op.create_index(
        "ix_cases_due_at",
        "cases",
        ["due_at"],
        postgresql_include=["status", "resolved_at", "paused_at", "agency_id"],
    )
    op.create_index(
        "ix_cases_rated_at",
        "cases",
        ["rated_at"],
        postgresql_include=["rating", "agency_id"],
        postgresql_where=sa.text("rated_at IS NOT NULL"),
    )
    op.create_index(
        "ix_case_events_created_at",
        "case_events",
        ["created_at"],
        postgresql_include=["kind", "from_agency_id", "to_agency_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_created_at", table_name="case_events")
    op.drop_index("ix_cases_rated_at", table_name="cases")
    op.drop_index("ix_cases_due_at", table_name="cases")
    op.drop_index("ix_cases_resolved_at", table_name="cases")
    op.drop_index("ix_cases_created_at", table_name="cases")
