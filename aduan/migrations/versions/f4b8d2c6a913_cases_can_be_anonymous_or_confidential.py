"""cases can be anonymous (Anonim) or confidential (Rahasia)

Revision ID: f4b8d2c6a913
Revises: caaa8c860ea1
Create Date: 2026-12-05 03:30:00

SP4N-LAPOR!'s two reporting modes: an anonymous case hides its reporter from every staff view and
export; a confidential one never appears on anything public. Cases stored before are neither.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4b8d2c6a913"
down_revision: str | None = "caaa8c860ea1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# not in batch mode: SQLite adds and (3.35 and later) drops a column in place, where a batch
# would copy the table and drop the old one, which the rows referring to cases forbid


def upgrade() -> None:
    for name in ("anonymous", "confidential"):
        op.add_column(
            "cases", sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    for name in ("confidential", "anonymous"):
        op.drop_column("cases", name)
