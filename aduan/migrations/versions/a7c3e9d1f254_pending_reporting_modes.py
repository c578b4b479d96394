"""pending reporting modes: Anonim or Rahasia asked for a chat resident's next complaint

Revision ID: a7c3e9d1f254
Revises: a7c3e9f2d514
Create Date: 2026-12-05 04:10:00

A resident who sends /anonim, /rahasia, a bare ANONIM or RAHASIA, or presses the welcome's
button, has the mode kept here until their next complaint takes it (intake/modes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "a7c3e9d1f254"
down_revision: str | None = "a7c3e9f2d514"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_modes",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("asked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("contact_id"),
    )


def downgrade() -> None:
    op.drop_table("pending_modes")
