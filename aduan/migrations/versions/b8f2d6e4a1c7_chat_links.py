"""chat links: a web complaint bound to the Telegram chat that opens its t.me link

Revision ID: b8f2d6e4a1c7
Revises: d9f1c3e5a7b2
Create Date: 2026-12-05 06:30:00

A resident who files on the web form and asks for updates on Telegram gets a single-use,
expiring `t.me/<bot>?start=<token>` link; its token's SHA-256 is kept here until the bot's
/start with it binds the case to the chat (intake/chat_links.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "b8f2d6e4a1c7"
down_revision: str | None = "d9f1c3e5a7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("chat_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_links_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_links_case_id"))
    op.drop_table("chat_links")
