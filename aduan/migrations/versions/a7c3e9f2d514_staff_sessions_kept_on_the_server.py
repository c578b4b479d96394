"""staff sessions kept on the server; users lose session_version

Revision ID: a7c3e9f2d514
Revises: c2f7a4e9d185
Create Date: 2026-12-05 05:00:00

A console sign-in and an API token are each a row of staff_sessions, keyed by the SHA-256 of
the secret the client holds; signing out, "sign out everywhere", deactivation and a new password
revoke rows. That replaces users.session_version, whose bump could only end every session of an
account at once. Sessions signed in before the upgrade carry no row and end with it: staff sign
in again. A downgrade drops the rows and brings the column back at 1 for every account: the old
code reads a token or cookie without a version as version 0, so none issued by this code, signed
out or not, works after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "a7c3e9f2d514"
down_revision: str | None = "c2f7a4e9d185"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# not in batch mode for users: SQLite adds and (3.35 and later) drops a column in place, where a
# batch would copy the table and drop the old one, which the rows referring to users forbid


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"])
    op.drop_column("users", "session_version")


def downgrade() -> None:
    op.add_column(
        "users", sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute("UPDATE users SET session_version = 1")
    op.drop_index("ix_staff_sessions_expires_at", table_name="staff_sessions")
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
