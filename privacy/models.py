"""The record of who saw a resident's full contact."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class ContactReveal(SQLModel, table=True):
    """One staff member shown the full contact of one case's reporter, to call them; rows are
    only ever inserted, and hold no contact detail themselves."""

    __tablename__ = "contact_reveals"
    __table_args__ = (
        # the admin's log, newest first, of everyone or of one user or one case (keyset paging)
        sa.Index("ix_contact_reveals_user_id", "user_id", "id"),
        sa.Index("ix_contact_reveals_case_id", "case_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    user_id: int = Field(foreign_key="users.id")
    # where it was asked for: the console or the staff API
    via: str = Field(sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
