"""open311_keys and open311_updates: partners' API keys and the residents' updates they post

Revision ID: f1a7c3e9b2d5
Revises: f7a1c3e5b9d2
Create Date: 2026-12-05 10:30:00

A partner's app files complaints through `POST /open311/v2/requests` with a key an admin made
(stored as HMAC-SHA256 only, with the services it may file into); the residents' updates it
posts through `servicerequestupdates` are kept by the partner's own id, so a repeat returns the
first (intake/partner_keys.py, open311/filing.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "f1a7c3e9b2d5"
down_revision: str | None = "f7a1c3e5b9d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("services", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "open311_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["key_id"], ["open311_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id", "external_id"),
    )
    with op.batch_alter_table("open311_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_updates_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_updates_case_id"))
    op.drop_table("open311_updates")
    op.drop_table("open311_keys")
