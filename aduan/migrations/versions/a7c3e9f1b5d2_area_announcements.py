"""area announcements: an agency's notice of a known problem in an area for a time window

Revision ID: a7c3e9f1b5d2
Revises: b8f2d6e4a1c7
Create Date: 2026-12-05 07:30:00

`announcements` holds the agency, the problem (an optional category), the officer's words, the
area as GeoJSON (a polygon drawn or copied from a service area, or a circle's centre with its
radius) and the window; `cases.announcement_id` links a complaint filed under one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "a7c3e9f1b5d2"
down_revision: str | None = "b8f2d6e4a1c7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("area_kind", sa.String(length=16), nullable=False),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("starts_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.ForeignKeyConstraint(["service_area_id"], ["service_areas.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["cancelled_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_announcements_agency_id", "announcements", ["agency_id"])
    op.create_index("ix_announcements_ends_at", "announcements", ["ends_at"])
    # not in batch mode: a batch would copy the cases table and drop the old one, which the
    # rows referring to cases forbid. SQLite adds a column with its reference in place, but
    # alembic adds the reference as a constraint of its own, which SQLite cannot: written out
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE cases ADD COLUMN announcement_id INTEGER REFERENCES announcements (id)"
        )
    else:
        op.add_column(
            "cases",
            sa.Column(
                "announcement_id", sa.Integer(), sa.ForeignKey("announcements.id"), nullable=True
            ),
        )
    op.create_index(
        "ix_cases_announcement_id",
        "cases",
        ["announcement_id"],
        postgresql_where=sa.text("announcement_id IS NOT NULL"),
        sqlite_where=sa.text("announcement_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_announcement_id", table_name="cases")
    # SQLite (3.35 and later) drops the column and its reference in place
    op.drop_column("cases", "announcement_id")
    op.drop_index("ix_announcements_ends_at", table_name="announcements")
    op.drop_index("ix_announcements_agency_id", table_name="announcements")
    op.drop_table("announcements")
