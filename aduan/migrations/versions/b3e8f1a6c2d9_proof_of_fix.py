"""proof of fix: officers' after-photos, categories that require one, photos on outbox rows

Revision ID: b3e8f1a6c2d9
Revises: a7c3e9d1f254
Create Date: 2026-12-05 06:40:00

An officer resolving a case may attach an after-photo (`attachments.proof`); a category of the
catalogue can require one (`categories.proof_required`). The resolution message to the resident
refers to the photo by its attachment (`notifications.attachment_id`), read from storage when
the row is sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e8f1a6c2d9"
down_revision: str | None = "a7c3e9d1f254"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # attachments and categories are altered in place (rows of other tables refer to them, so
    # SQLite's batch copy could not drop the old table); nothing refers to notifications
    op.add_column(
        "attachments", sa.Column("proof", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "categories",
        sa.Column("proof_required", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_notifications_attachment_id_attachments", "attachments", ["attachment_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notifications_attachment_id_attachments", type_="foreignkey")
        batch_op.drop_column("attachment_id")
    op.drop_column("categories", "proof_required")
    op.drop_column("attachments", "proof")
