"""the public side: when staff reviewed a case, hiding it, its public text, approved photos

Revision ID: d9f1c3e5a7b2
Revises: b3e8f1a6c2d9
Create Date: 2026-12-05 06:40:00

PUBLISH_POLICY=reviewed publishes a case once staff acted on it (`reviewed_at`); staff may hide
a case from the public (`hidden_at`, `hidden_reason`) or rewrite what the public reads of it
(`public_text`; `text` stays as written), and approve a resident's photo for the public page
(`attachments.published_at`). Cases stored before count as not yet reviewed, unless staff had
already moved them (a history entry by a staff member): those are stamped with that first
entry's time, so a city that keeps the default policy does not empty its public map.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "d9f1c3e5a7b2"
down_revision: str | None = "b3e8f1a6c2d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC_CANDIDATE_SQL = (
    "confidential = false AND hidden_at IS NULL AND merged_into_id IS NULL AND status <> 'rejected'"
)

# not in batch mode: SQLite adds and (3.35 and later) drops a column in place, where a batch
# would copy the table and drop the old one, which the rows referring to cases forbid


def upgrade() -> None:
    for name in ("reviewed_at", "hidden_at"):
        op.add_column("cases", sa.Column(name, core.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("hidden_reason", sa.String(length=32), nullable=True))
    op.add_column("cases", sa.Column("public_text", sa.Text(), nullable=True))
    op.add_column(
        "attachments",
        sa.Column("published_at", core.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_cases_public",
        "cases",
        ["id"],
        postgresql_where=sa.text(PUBLIC_CANDIDATE_SQL),
        sqlite_where=sa.text(PUBLIC_CANDIDATE_SQL),
    )
    # staff moves made before: the first one a staff member made counts as the review
    op.execute(
        "UPDATE cases SET reviewed_at = (SELECT MIN(e.created_at) FROM case_events e "
        "WHERE e.case_id = cases.id AND e.actor_user_id IS NOT NULL "
        "AND e.kind IN ('status_changed', 'forwarded', 'merged', 'assignee_changed'))"
    )


def downgrade() -> None:
    op.drop_index("ix_cases_public", table_name="cases")
    op.drop_column("attachments", "published_at")
    for name in ("public_text", "hidden_reason", "hidden_at", "reviewed_at"):
        op.drop_column("cases", name)
