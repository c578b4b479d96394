"""index for the public map: the located cases that may be public, by latitude and longitude

Revision ID: b5a12b2c3a47
Revises: b298edcb3ea1
Create Date: 2026-12-05 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5a12b2c3a47"
down_revision: str | None = "b298edcb3ea1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# cases.models.PUBLIC_PLACE_SQL as it reads here
PUBLIC_PLACE = sa.text(
    "confidential = false AND hidden_at IS NULL AND merged_into_id IS NULL "
    "AND status <> 'rejected' AND latitude IS NOT NULL"
)


def upgrade() -> None:
    op.create_index(
        "ix_cases_public_place",
        "cases",
        ["latitude", "longitude"],
        postgresql_where=PUBLIC_PLACE,
        sqlite_where=PUBLIC_PLACE,
        postgresql_include=["status", "reviewed_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_cases_public_place", table_name="cases")
