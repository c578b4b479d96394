"""Open311 reads: categories.attributes (service definitions) and the index of public updates

Revision ID: f7a1c3e5b9d2
Revises: e5b9d3f7a2c4
Create Date: 2026-12-05 10:10:00

The catalogue file may give a category `attributes` ("is the road closed?"); they are stored
with the category as the file's other fields are, as a JSON list, empty for every category
until the catalogue is loaded again. The index `ix_case_events_public_updates` holds the
history entries Open311's `servicerequestupdates` publishes (status changes, notes to the
resident) by time, so that a partner's window reads only those.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7a1c3e5b9d2"
down_revision: str | None = "e5b9d3f7a2c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# cases.models.PUBLIC_UPDATE_SQL as it stood
PUBLIC_UPDATE = sa.text("kind = 'status_changed' OR public_note IS NOT NULL")


def upgrade() -> None:
    # altered in place: cases refer to categories, so SQLite's batch copy could not drop it
    op.add_column(
        "categories", sa.Column("attributes", sa.JSON(), server_default="[]", nullable=False)
    )

    op.create_index(
        "ix_case_events_public_updates",
        "case_events",
        ["created_at", "id"],
        postgresql_where=PUBLIC_UPDATE,
        sqlite_where=PUBLIC_UPDATE,
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_public_updates", table_name="case_events")
    op.drop_column("categories", "attributes")
