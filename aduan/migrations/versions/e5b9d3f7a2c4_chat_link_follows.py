"""chat_links.follows: a web resident's Telegram link that follows a case someone else reported

Revision ID: e5b9d3f7a2c4
Revises: c4f8a2d6e1b3
Create Date: 2026-12-05 09:30:00

"Ini masalah yang sama" on the web form with updates on Telegram gives a t.me link like a
filing's; opening it makes the chat a follower of the case (counted in report_count) instead
of its contact, in the language of the form it came from.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b9d3f7a2c4"
down_revision: str | None = "c4f8a2d6e1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follows", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_links", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("follows")
