"""staff mail goes to the staff user, not to a citizen contact

Revision ID: d2e9b5d083cf
Revises: c8e2f4a6b1d3
Create Date: 2026-12-05 00:07:45

Digests and escalations were written to an e-mail "contact" made from the officer's address,
so staff addresses sat among the citizens'. An outbox row now names either a contact or a
staff user (`user_id`), never both and never neither; a user's row goes to the address the
account has when it is sent.

Existing rows move to the user when their contact only ever stood for a staff account: an
e-mail contact at the address of a user (active or not; the lowest id if several share it)
with no case and no subscription of a citizen behind it. Those contacts are then deleted.

The downgrade puts each user's rows back on the e-mail contact of the user's address, made
where missing. Rows of a user who has no address now have no contact to go back to and are
deleted with the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d2e9b5d083cf"
down_revision: str | None = "c8e2f4a6b1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_RECIPIENT = "(contact_id IS NULL) <> (user_id IS NULL)"
USER_ID_SET = sa.text("user_id IS NOT NULL")

STAFF_CONTACTS = """
SELECT c.id FROM contacts AS c
WHERE c.channel = 'email'
    AND EXISTS (SELECT 1 FROM users AS u WHERE u.email = c.address)
    AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.contact_id = c.id)
    AND NOT EXISTS (SELECT 1 FROM case_subscribers AS s WHERE s.contact_id = c.id)
"""

# both assignments read the row as it was: user_id from the contact_id being cleared
ROWS_TO_USERS = f"""
UPDATE notifications SET
    user_id = (
        SELECT MIN(u.id) FROM users AS u JOIN contacts AS c ON c.address = u.email
        WHERE c.id = notifications.contact_id
    ),
    contact_id = NULL
WHERE contact_id IN ({STAFF_CONTACTS})
"""

DELETE_STAFF_CONTACTS = f"DELETE FROM contacts WHERE id IN ({STAFF_CONTACTS})"

CONTACTS_FOR_USERS = """
INSERT INTO contacts (channel, address, language, created_at)
SELECT 'email', u.email, MIN(n.language), MIN(n.created_at)
FROM users AS u JOIN notifications AS n ON n.user_id = u.id
WHERE u.email IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM contacts AS c WHERE c.channel = 'email' AND c.address = u.email)
GROUP BY u.email
"""

DELETE_UNADDRESSED_ROWS = """
DELETE FROM notifications
WHERE user_id IN (SELECT id FROM users WHERE email IS NULL)
"""

ROWS_TO_CONTACTS = """
UPDATE notifications SET
    contact_id = (
        SELECT c.id FROM contacts AS c JOIN users AS u ON c.address = u.email
        WHERE c.channel = 'email' AND u.id = notifications.user_id
    ),
    user_id = NULL
WHERE user_id IS NOT NULL
"""


def upgrade() -> None:
    # the CHECK holds before the move (every row has a contact) and after it (a moved row has
    # only its user), so one batch (one copy of the table on SQLite) adds it with the column
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.alter_column("contact_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key("fk_notifications_user_id_users", "users", ["user_id"], ["id"])
        batch_op.create_check_constraint("ck_notifications_one_recipient", ONE_RECIPIENT)
        batch_op.create_index(
            "ix_notifications_user_id",
            ["user_id"],
            postgresql_where=USER_ID_SET,
            sqlite_where=USER_ID_SET,
        )
    op.execute(ROWS_TO_USERS)
    op.execute(DELETE_STAFF_CONTACTS)


def downgrade() -> None:
    op.execute(CONTACTS_FOR_USERS)
    op.execute(DELETE_UNADDRESSED_ROWS)
    op.execute(ROWS_TO_CONTACTS)
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id")
        batch_op.drop_constraint("ck_notifications_one_recipient", type_="check")
        batch_op.drop_constraint("fk_notifications_user_id_users", type_="foreignkey")
        batch_op.drop_column("user_id")
        batch_op.alter_column("contact_id", existing_type=sa.Integer(), nullable=False)
