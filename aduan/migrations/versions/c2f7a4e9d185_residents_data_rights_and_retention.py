"""residents' data rights, retention, and the record of who saw a number

Revision ID: c2f7a4e9d185
Revises: f4b8d2c6a913
Create Date: 2026-12-06 09:00:00

A resident can have their contact details erased (and retention erases them from cases that
ended long ago): a case keeps its place as the city's record and says when its reporter was
erased (`cases.reporter_erased_at`); the outbox rows to them stay on the case naming no
recipient (`notifications.recipient_erased_at`, which the one-recipient CHECK now allows), the
unsent ones cancelled. Retention deletes old cases' files and marks their attachments removed
(`attachments.removed_at`). Every time staff are shown a reporter's full contact is recorded
(`contact_reveals`).

The downgrade deletes the outbox rows that name no recipient (no earlier revision can hold
one); attachments whose files were removed then point at nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2f7a4e9d185"
down_revision: str | None = "f4b8d2c6a913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ONE_RECIPIENT = "(contact_id IS NULL) <> (user_id IS NULL)"
ONE_RECIPIENT = (
    "(recipient_erased_at IS NULL AND (contact_id IS NULL) <> (user_id IS NULL))"
    " OR (recipient_erased_at IS NOT NULL AND contact_id IS NULL AND user_id IS NULL)"
)
# (index, column, condition): final cases still naming their reporter, by when they ended
RETENTION_INDEXES = (
    ("ix_cases_closed_with_contact", "closed_at", "status = 'closed' AND contact_id IS NOT NULL"),
    (
        "ix_cases_rejected_with_contact",
        "rejected_at",
        "status = 'rejected' AND contact_id IS NOT NULL",
    ),
)


def upgrade() -> None:
    # cases and attachments are altered in place (SQLite adds a column so): a batch would copy
    # the table and drop the old one, which the rows referring to them forbid
    op.add_column(
        "cases", sa.Column("reporter_erased_at", sa.DateTime(timezone=True), nullable=True)
    )
    for name, column, where in RETENTION_INDEXES:
        op.create_index(
            name, "cases", [column], postgresql_where=sa.text(where), sqlite_where=sa.text(where)
        )
    op.add_column("attachments", sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recipient_erased_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint("ck_notifications_one_recipient", type_="check")
        batch_op.create_check_constraint("ck_notifications_one_recipient", ONE_RECIPIENT)
    op.create_table(
        "contact_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_reveals_user_id", "contact_reveals", ["user_id", "id"])
    op.create_index("ix_contact_reveals_case_id", "contact_reveals", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_reveals_case_id", table_name="contact_reveals")
    op.drop_index("ix_contact_reveals_user_id", table_name="contact_reveals")
    op.drop_table("contact_reveals")
    op.execute("DELETE FROM notifications WHERE recipient_erased_at IS NOT NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("ck_notifications_one_recipient", type_="check")
        batch_op.drop_column("recipient_erased_at")
        batch_op.create_check_constraint("ck_notifications_one_recipient", OLD_ONE_RECIPIENT)
    op.drop_column("attachments", "removed_at")
    for name, _, _ in RETENTION_INDEXES:
        op.drop_index(name, table_name="cases")
    op.drop_column("cases", "reporter_erased_at")
