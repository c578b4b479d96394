"""conversation state: pending choices, receipts that name their message, resident additions

Revision ID: c8e2f4a6b1d3
Revises: b7d4e2a9c3f1
Create Date: 2026-12-05 00:40:00

The chat reads each message in the context of what the bot last asked (`pending_choices`), an
edit finds the complaint its message filed (`inbound_receipts.message_ref`, `case_id`), and the
officer's queue shows how often a resident asked after a case and when they last added words
(`cases.nudges`, `cases.citizen_noted_at`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "c8e2f4a6b1d3"
down_revision: str | None = "b7d4e2a9c3f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_choices",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("asked_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    # nothing refers to the receipts, so SQLite may copy the table to add the foreign key
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_ref", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inbound_receipts_message_ref"), ["message_ref"], unique=False
        )
        batch_op.create_foreign_key("fk_inbound_receipts_case_id", "cases", ["case_id"], ["id"])
    # plain ADD COLUMN: a batch copy of `cases` would trip over the rows that refer to it
    op.add_column("cases", sa.Column("nudges", sa.Integer(), server_default="0", nullable=False))
    op.add_column(
        "cases",
        sa.Column("citizen_noted_at", core.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("cases", "citizen_noted_at")
    op.drop_column("cases", "nudges")
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inbound_receipts_case_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_inbound_receipts_message_ref"))
        batch_op.drop_column("case_id")
        batch_op.drop_column("message_ref")
    op.drop_table("pending_choices")
