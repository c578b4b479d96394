"""contacts pin the language they chose

Revision ID: e3a9c5f1d728
Revises: d2e9b5d083cf
Create Date: 2026-12-05 10:00:00

The chat answers in the language a resident writes in, unless the resident chose one with a
command (intake/language.py). Contacts stored before start unpinned: which of their languages
came from a command and which from the default is not recorded, so they follow what they write
until they choose again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3a9c5f1d728"
down_revision: str | None = "d2e9b5d083cf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# not in batch mode: SQLite adds and (3.35 and later) drops a column in place, where a batch
# would copy the table and drop the old one, which the rows referring to contacts forbid


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column("language_pinned", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("contacts", "language_pinned")
