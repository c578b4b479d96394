"""cases.report_count: how many residents reported or follow a case

Revision ID: c4f8a2d6e1b3
Revises: a7c3e9f1b5d2
Create Date: 2026-12-05 09:40:00

Each case counts its reporter, the residents who said "the same problem" and follow it, and
the reports merged into it. Existing cases start at one plus the residents who already follow
them (the reporters of the duplicates merged in).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4f8a2d6e1b3"
down_revision: str | None = "a7c3e9f1b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "cases", sa.Column("report_count", sa.Integer(), server_default="1", nullable=False)
    )
    op.execute(
        "UPDATE cases SET report_count = 1 + "
        "(SELECT count(*) FROM case_subscribers WHERE case_subscribers.case_id = cases.id) "
        "WHERE EXISTS (SELECT 1 FROM case_subscribers WHERE case_subscribers.case_id = cases.id)"
    )


def downgrade() -> None:
    # not in batch mode (rows refer to cases); SQLite 3.35 and later drops a column in place
    op.drop_column("cases", "report_count")
