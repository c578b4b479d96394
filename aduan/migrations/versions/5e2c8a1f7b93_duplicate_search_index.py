"""index for the duplicate search: an agency's located cases by latitude and longitude

Revision ID: 5e2c8a1f7b93
Revises: 9b3f0d6e1a27
Create Date: 2026-11-28 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2c8a1f7b93"
down_revision: str | None = "9b3f0d6e1a27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCATED = sa.text("latitude IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_cases_agency_location",
        "cases",
        ["agency_id", "latitude", "longitude"],
        postgresql_where=LOCATED,
        sqlite_where=LOCATED,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_agency_location", table_name="cases")
