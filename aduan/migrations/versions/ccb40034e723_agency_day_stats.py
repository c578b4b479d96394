"""agency_day_stats: per agency and city day, the counts the statistics read

Revision ID: ccb40034e723
Revises: c4d9e2a7f1b3
Create Date: 2026-12-05 15:00:00

One row per agency (0: the triage desk) and day of the city's calendar (CITY_TIMEZONE), kept
with the cases from now on (cases/day_stats.py). The rows of the cases already there are
computed here, as `aduan stats rebuild` does, in CITY_TIMEZONE as the settings give it now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cases.day_stats import rebuild
from core.settings import get_settings

revision: str = "ccb40034e723"
down_revision: str | None = "c4d9e2a7f1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "filed",
    "filed_public",
    "resolved",
    "resolved_public",
    "sla_on_time",
    "sla_late",
    "sla_running",
    "forwarded",
    "received",
    "referred",
    "rating_count",
    "rating_sum",
)


def upgrade() -> None:
    op.create_table(
        "agency_day_stats",
        sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("agency_id", "day"),
    )
    # agency_day_durations comes with a later migration, which counts its rows itself
    rebuild(op.get_bind(), get_settings().city_timezone, durations=False)


def downgrade() -> None:
    op.drop_table("agency_day_stats")
