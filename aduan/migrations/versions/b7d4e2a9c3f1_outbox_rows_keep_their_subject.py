"""outbox rows keep their subject, written with the body

Revision ID: b7d4e2a9c3f1
Revises: b5d1f3a7c920
Create Date: 2026-12-02 10:00:00

A message is rendered once, when it is queued; delivery no longer makes the e-mail subject
again. Rows written before carry the subject their kind had then (the words below are those of
notifications/templates.py at this revision, on purpose: a migration does not follow later
wording).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d4e2a9c3f1"
down_revision: str | None = "b5d1f3a7c920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECT_OF_EXISTING_ROWS = """
UPDATE notifications SET subject = CASE
    WHEN kind = 'overdue_digest' AND language = 'en' THEN 'Overdue cases as of ' || reference
    WHEN kind = 'overdue_digest' THEN 'Kasus terlambat per ' || reference
    WHEN kind = 'escalation' AND language = 'en' THEN 'Escalation: case ' || reference
    WHEN kind = 'escalation' THEN 'Eskalasi: aduan ' || reference
    WHEN language = 'en' THEN 'Complaint ' || reference
    ELSE 'Aduan ' || reference
END
"""


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.Text(), nullable=True))
    op.execute(SUBJECT_OF_EXISTING_ROWS)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("subject")
