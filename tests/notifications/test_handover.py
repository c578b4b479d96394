"""Outbox rows reach the dispatcher only once their transaction has committed.

A worker that gets a job before the row is committed finds nothing to send, and the message
then waits for the sweep. SQLAlchemy reports a released savepoint as a commit too, and intake
files every complaint inside one, so this is checked around savepoints as well.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cases.enums import SourceChannel
from core.db import get_engine, open_session
from core.settings import Settings
from intake.messages import InboundMessage, ReplyAddress
from intake.service import receive
from notifications.enums import Channel
from notifications.models import Notification
from tests.helpers import owe


class VisibilityRecorder:
    """A dispatcher that notes, at each hand-over, which of the rows handed over another
    connection can already read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.handovers: list[tuple[list[int], set[int]]] = []

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        ids = list(notification_ids)
        with self.engine.connect() as connection:
            visible = connection.execute(
                sa.select(Notification.id).where(Notification.id.in_(ids))
            ).scalars()
            self.handovers.append((ids, set(visible)))

    def backlog(self) -> int:
        return 0


@pytest.fixture
def recorder(settings: Settings) -> VisibilityRecorder:
    return VisibilityRecorder(get_engine(settings.database_url))


def test_a_filed_complaint_is_handed_over_after_its_commit(
    settings: Settings, recorder: VisibilityRecorder
) -> None:
    with open_session(recorder.engine, dispatcher=recorder) as session:
        message = InboundMessage(
            channel=SourceChannel.web,
            text="Lampu jalan di depan sekolah mati sejak seminggu",
            reply_to=ReplyAddress(Channel.email, "warga@example.com"),
        )
        result = receive(session, settings, message)
    assert result.created
    [(ids, visible)] = recorder.handovers
    assert len(ids) == 1
    assert visible == set(ids)


def test_a_released_savepoint_hands_nothing_over(
    settings: Settings, recorder: VisibilityRecorder
) -> None:
    with open_session(recorder.engine, dispatcher=recorder) as session:
        with session.begin_nested():
            [row_id] = owe(session, Channel.email, "satu@example.com")
        assert recorder.handovers == []
        session.commit()
    assert recorder.handovers == [([row_id], {row_id})]


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(
    settings: Settings, recorder: VisibilityRecorder
) -> None:
    with open_session(recorder.engine, dispatcher=recorder) as session:
        [kept] = owe(session, Channel.email, "dua@example.com")
        with pytest.raises(RuntimeError), session.begin_nested():
            owe(session, Channel.email, "tiga@example.com")
            raise RuntimeError("undo this part")
        session.commit()
    [(ids, visible)] = recorder.handovers
    assert kept in ids
    assert visible == {kept}
