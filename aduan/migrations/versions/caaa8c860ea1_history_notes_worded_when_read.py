"""the history's own notes are stored as a code and values, worded when read

Revision ID: caaa8c860ea1
Revises: e3a9c5f1d728
Create Date: 2026-12-05 09:00:00

The notes the history writes by itself (auto-close, escalation, "not fixed", merges, likely
duplicates, triage) were English sentences in `internal_note`; they are now `note_code` and
`note_params`, worded in the reader's language (cases/notes.py). Rows written before keep their
English text and are shown as it is. A downgrade writes the English sentence of each coded note
back into `internal_note` (the words below are those of this revision, on purpose: a migration
does not follow later wording).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "caaa8c860ea1"
down_revision: str | None = "e3a9c5f1d728"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENGLISH = {
    "possible_duplicate": "possible duplicate of %(code)s (similarity %(score)s)",
    "merged_into": "merged into %(code)s",
    "merged_here": "%(code)s merged into this case",
    "not_fixed": "citizen reports it is not fixed",
    "auto_closed": "closed automatically %(days)s days after resolved",
    "from_triage": "assigned from triage",
    "escalated_to_head": "Escalated to the agency head. %(hours)s h past due; told: %(told)s",
    "escalated_to_supervisors": (
        "Escalated to the city supervisors. %(hours)s h past due; told: %(told)s"
    ),
    "escalated_to_head_no_email": (
        "Escalated to the agency head. %(hours)s h past due; told: nobody has an e-mail address"
    ),
    "escalated_to_supervisors_no_email": (
        "Escalated to the city supervisors. %(hours)s h past due; told: nobody has an e-mail "
        "address"
    ),
}
EVENTS = sa.table(
    "case_events",
    sa.column("id", sa.Integer),
    sa.column("internal_note", sa.Text),
    sa.column("note_code", sa.String),
    sa.column("note_params", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("note_params", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    connection = op.get_bind()
    coded = connection.execute(
        sa.select(EVENTS.c.id, EVENTS.c.note_code, EVENTS.c.note_params).where(
            EVENTS.c.note_code.is_not(None)
        )
    ).all()
    for event_id, code, params in coded:
        connection.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.id == event_id)
            .values(internal_note=ENGLISH[code] % (params or {}))
        )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_column("note_params")
        batch_op.drop_column("note_code")
