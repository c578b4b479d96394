"""The case intake hands back is the stored row, though the INSERT returns only what it chose."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from cases.enums import SourceChannel
from cases.models import Case
from core.db import get_engine, session_scope
from core.settings import Settings
from intake.messages import InboundMessage, Location, ReplyAddress
from intake.service import receive
from notifications.enums import Channel
from tests.helpers import POTHOLE

PLACE = Location(-6.99321, 110.44210, "Jl. Pemuda depan SD Negeri 2")


def _columns(case: Case) -> dict[str, Any]:
    return {column.name: getattr(case, column.name) for column in Case.__table__.columns}


@pytest.mark.parametrize("location", [None, PLACE], ids=["no place", "a duplicate's place"])
def test_the_filed_case_is_the_stored_row_without_reading_it_again(
    settings: Settings, location: Location | None
) -> None:
    """Every column of the case `receive` returns is loaded (reading it sends no SQL) and equal
    to the row as stored, defaults and duplicate marks included."""
    engine = get_engine(settings.database_url)
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    with session_scope(engine, dispatcher=None) as session:
        for n in range(2):  # at one place, the second is marked a duplicate of the first
            message = InboundMessage(
                channel=SourceChannel.web,
                text=POTHOLE,
                location=location,
                reply_to=ReplyAddress(Channel.sms, f"+6281355503{n:02d}"),
                idempotency_key=f"service-{n}",
            )
            case = receive(session, settings, message).case
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            held = _columns(case)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    with Session(engine) as fresh:
        stored = _columns(fresh.get(Case, case.id))
    assert sent == []
    assert held == stored
    assert (held["duplicate_of_id"] is not None) == (location is not None)
    assert held["escalation_level"] == 0 and held["notify"] is True
