"""webhook endpoints: partners' systems sent signed events through the outbox

Revision ID: b8e4f1a6c3d9
Revises: f1a7c3e9b2d5
Create Date: 2026-12-05 10:10:00

`webhook_endpoints` holds each partner's URL, events, agencies, whether it is trusted, its
signing secret and its health (failures in a row, paused). An outbox row may now go to an
endpoint (`notifications.endpoint_id`): the one-recipient CHECK allows exactly one of a
contact, a staff user and an endpoint.

The downgrade deletes the outbox rows to endpoints (no earlier revision can hold one).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "b8e4f1a6c3d9"
down_revision: str | None = "f1a7c3e9b2d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ONE_RECIPIENT = (
    "(recipient_erased_at IS NULL AND (contact_id IS NULL) <> (user_id IS NULL))"
    " OR (recipient_erased_at IS NOT NULL AND contact_id IS NULL AND user_id IS NULL)"
)
ONE_RECIPIENT = (
    "(recipient_erased_at IS NULL AND endpoint_id IS NULL"
    " AND (contact_id IS NULL) <> (user_id IS NULL))"
    " OR (recipient_erased_at IS NULL AND endpoint_id IS NOT NULL"
    " AND contact_id IS NULL AND user_id IS NULL)"
    " OR (recipient_erased_at IS NOT NULL AND contact_id IS NULL AND user_id IS NULL"
    " AND endpoint_id IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("trusted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("paused_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_notifications_endpoint_id", "webhook_endpoints", ["endpoint_id"], ["id"]
        )
        batch_op.drop_constraint("ck_notifications_one_recipient", type_="check")
        batch_op.create_check_constraint("ck_notifications_one_recipient", ONE_RECIPIENT)
    op.create_index(
        "ix_notifications_endpoint_id",
        "notifications",
        ["endpoint_id"],
        postgresql_where=sa.text("endpoint_id IS NOT NULL"),
        sqlite_where=sa.text("endpoint_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_endpoint_id", table_name="notifications")
    op.execute("DELETE FROM notifications WHERE endpoint_id IS NOT NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("ck_notifications_one_recipient", type_="check")
        batch_op.drop_constraint("fk_notifications_endpoint_id", type_="foreignkey")
        batch_op.drop_column("endpoint_id")
        batch_op.create_check_constraint("ck_notifications_one_recipient", OLD_ONE_RECIPIENT)
    op.drop_table("webhook_endpoints")
