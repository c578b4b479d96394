"""Twilio outbound state the sender and status tests share."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine, utcnow
from core.settings import Settings
from notifications.models import Contact, Notification
from tests.helpers import file_complaint, outbox, run_jobs

PHONE = "+6281200000101"
STATUS_URL = "https://aduan.example.go.id/webhooks/twilio/status"


def last_inbound(settings: Settings, when: datetime | None) -> None:
    """Pretend the citizen last wrote to us on WhatsApp at `when`."""
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.update(Contact).values(last_inbound_at=when))


def whatsapp_sent(client: TestClient, settings: Settings) -> tuple[str, Notification]:
    """A WhatsApp acknowledgement sent free-form inside the window: the case code and its row."""
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    last_inbound(settings, utcnow() - timedelta(hours=1))
    run_jobs(settings)
    [row] = outbox(settings)
    assert row.status == "sent"
    return code, row
