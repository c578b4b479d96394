"""cases have a kind: a complaint, or a question

Revision ID: c4e8a2f6d1b3
Revises: bf21af37fde6
Create Date: 2026-12-05 17:40:00

A question routing places with an agency ("Bagaimana cara mengurus KTP yang hilang?") is filed
there as a question, not as a complaint (SP4N-LAPOR!'s Pertanyaan beside Pengaduan). Cases
stored before are complaints. The column is `case_kind`, not `kind`: the history and the outbox
have a `kind` of their own, which queries joining them to `cases` name unqualified.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e8a2f6d1b3"
down_revision: str | None = "bf21af37fde6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# not in batch mode: SQLite adds and (3.35 and later) drops a column in place, where a batch
# would copy the table, dropping the search and map triggers on `cases` with the old one


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("case_kind", sa.String(16), server_default="complaint", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("cases", "case_kind")
