"""pending locations leave contacts for a table of intake's own

Revision ID: b5d1f3a7c920
Revises: 3c7e9a1d5b08
Create Date: 2026-12-04 21:50:00

A location a resident shares before any complaint is intake's conversation state, not a way
to reach them: it moves from three columns of `contacts` to `pending_locations`, one row per
contact, and the locations kept so far move with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "b5d1f3a7c920"
down_revision: str | None = "3c7e9a1d5b08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_locations",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("shared_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    op.execute(
        "INSERT INTO pending_locations (contact_id, latitude, longitude, shared_at) "
        "SELECT id, pending_latitude, pending_longitude, pending_location_at FROM contacts "
        "WHERE pending_latitude IS NOT NULL AND pending_longitude IS NOT NULL "
        "AND pending_location_at IS NOT NULL"
    )
    # not in batch mode: SQLite (3.35 and later) drops a column in place, where a batch would
    # copy the table and drop the old one, which the rows referring to contacts forbid
    for column in ("pending_location_at", "pending_longitude", "pending_latitude"):
        op.drop_column("contacts", column)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pending_longitude", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("pending_location_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE contacts SET pending_latitude = p.latitude, pending_longitude = p.longitude, "
        "pending_location_at = p.shared_at FROM pending_locations AS p "
        "WHERE p.contact_id = contacts.id"
    )
    op.drop_table("pending_locations")
