"""referral bodies: agencies.kind, channel, channel_en, hotline; cases.referred_at

Revision ID: c4d9e2a7f1b3
Revises: b8e4f1a6c3d9
Create Date: 2026-12-05 12:20:00

An agency row is now one of the city's (`kind` city, every existing row) or a referral body
outside the city government (`kind` referral: PLN, the police...), with where residents go:
`channel` and `channel_en` (website, app or office) and `hotline`. A case referred to such a
body has the final status `referred`, stamped `referred_at`; the retention pass finds those
that still name their reporter through `ix_cases_referred_with_contact`.

The downgrade refuses while a case is referred: no earlier revision knows the status.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "c4d9e2a7f1b3"
down_revision: str | None = "b8e4f1a6c3d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# cases.models.REFERRED_WITH_CONTACT_SQL as it stands
REFERRED_WITH_CONTACT = sa.text("status = 'referred' AND contact_id IS NOT NULL")


def upgrade() -> None:
    # altered in place: cases refer to agencies, so SQLite's batch copy could not drop it
    op.add_column(
        "agencies", sa.Column("kind", sa.String(16), server_default="city", nullable=False)
    )
    op.add_column("agencies", sa.Column("channel", sa.String(300), nullable=True))
    op.add_column("agencies", sa.Column("channel_en", sa.String(300), nullable=True))
    op.add_column("agencies", sa.Column("hotline", sa.String(40), nullable=True))
    op.add_column(
        "cases", sa.Column("referred_at", core.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_cases_referred_with_contact",
        "cases",
        ["referred_at"],
        postgresql_where=REFERRED_WITH_CONTACT,
        sqlite_where=REFERRED_WITH_CONTACT,
    )


def downgrade() -> None:
    referred = op.get_bind().execute(
        sa.text("SELECT count(*) FROM cases WHERE status = 'referred'")
    )
    if referred.scalar_one():
        raise RuntimeError(
            "cases are referred to bodies outside the city; the earlier schema has no such "
            "status: move them to another status first"
        )
    op.drop_index("ix_cases_referred_with_contact", table_name="cases")
    op.drop_column("cases", "referred_at")
    op.drop_column("agencies", "hotline")
    op.drop_column("agencies", "channel_en")
    op.drop_column("agencies", "channel")
    op.drop_column("agencies", "kind")
