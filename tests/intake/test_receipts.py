"""A chat message is marked handled in the same transaction as its handling: a platform's retry
of a message whose handling failed is handled then, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import intake.service
from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import inbound, signed_post, telegram_post
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, run_jobs


def count(settings: Settings, table: str) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def fail_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Recording the complaint's files, a last step of filing (after the case and its history
    are written; on PostgreSQL its acknowledgement too), fails the next time as it does when
    the database connection drops mid-transaction; the list records it."""
    real, failed = intake.service.attach_media, []

    def attach_media(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed:
            failed.append("attach_media")
            raise sa.exc.OperationalError("INSERT", {}, ConnectionError("connection lost"))
        return real(*args, **kwargs)

    monkeypatch.setattr(intake.service, "attach_media", attach_media)
    return failed


def test_a_telegram_update_that_failed_is_filed_once_when_telegram_retries(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed update answers 503, stores nothing (no receipt), and its retry files it once."""
    failed = fail_once(monkeypatch)
    update = tg.text(POTHOLE)
    assert telegram_post(client, update).status_code == 503
    assert failed == ["attach_media"]
    assert count(settings, "inbound_receipts") == 0
    assert count(settings, "cases") == 0
    assert telegram_post(client, update).status_code == 200
    assert telegram_post(client, update).status_code == 200  # a third delivery does nothing
    assert count(settings, "cases") == 1
    run_jobs(settings)
    assert len(telegram.wait_for(lambda: telegram.messages)) == 1  # one acknowledgement


def test_a_twilio_message_that_failed_is_filed_once_when_twilio_retries(
    client: TestClient,
    settings: Settings,
    twilio: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for an SMS: the failed post answers 503 and its retry files the complaint once."""
    failed = fail_once(monkeypatch)
    fields = inbound(POTHOLE)
    assert signed_post(client, settings, fields).status_code == 503
    assert failed == ["attach_media"]
    assert count(settings, "inbound_receipts") == 0
    assert count(settings, "cases") == 0
    assert signed_post(client, settings, fields).status_code == 200
    assert signed_post(client, settings, fields).status_code == 200
    assert count(settings, "cases") == 1
    run_jobs(settings)
    assert len(twilio.messages) == 1
