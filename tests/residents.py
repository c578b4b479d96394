"""Residents on Telegram, WhatsApp and SMS, as the chat tests replay them: what they send
through the real webhooks, and what reaches them (the immediate answer and the outbox's news).

A test module that imports `on_every_channel` gets the `resident` fixture, once per channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine, utcnow
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.channels import PHONE, inbound, signed_post, telegram_post, twiml_texts
from tests.fakes.media_samples import VOICE_OGG
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import png_bytes, run_jobs

RUBBISH = "Sampah di TPS Jl. Kauman menumpuk dan bau, tolong segera diangkut"
STREET_LIGHT = "Lampu jalan di Gang Melati 3 mati total, gelap sekali kalau malam"
WATER = "Air PDAM di Perumahan Graha Indah tidak mengalir sejak kemarin pagi"
CHANNELS = ["telegram", "whatsapp", "sms"]


@dataclass
class Resident:
    """One resident on one channel: what they send, and what reaches them."""

    client: TestClient
    settings: Settings
    telegram: FakeTelegram
    twilio: FakeTwilio
    channel: str

    def _sent_to_me(self) -> list[str]:
        if self.channel == "telegram":
            return [m.text for m in self.telegram.messages if str(m.chat_id) == str(tg.CHAT_ID)]
        to = f"whatsapp:{PHONE}" if self.channel == "whatsapp" else PHONE
        # a WhatsApp quick reply is shown as its content's body with buttons under it
        return [m.content["body"] if m.content else m.body for m in self.twilio.messages_to(to)]

    def _post(self, update: dict | None = None, **fields: str) -> list[str]:
        before = len(self._sent_to_me())
        if self.channel == "telegram":
            assert telegram_post(self.client, update).status_code == 200
            return self._sent_to_me()[before:]
        response = signed_post(
            self.client, self.settings, inbound(whatsapp=self.channel == "whatsapp", **fields)
        )
        assert response.status_code == 200
        # a WhatsApp question with buttons goes through the REST API, the rest in the TwiML
        return self._sent_to_me()[before:] + twiml_texts(response)

    def says(self, text: str) -> list[str]:
        """Send `text`; the immediate answers (one at most, for every message kind)."""
        answers = self._post(tg.text(text), Body=text)
        assert len(answers) <= 1, answers
        return answers

    def answer(self, text: str) -> str:
        [answer] = self.says(text)
        return answer

    def shares_location(self, latitude: float, longitude: float) -> str:
        [answer] = self._post(
            tg.location(latitude, longitude), Latitude=str(latitude), Longitude=str(longitude)
        )
        return answer

    def sends_photo(self, caption: str = "") -> str:
        image = png_bytes()
        if self.channel == "telegram":
            self.telegram.add_file("AgACAgUAAxkBAAIB", image, file_path="photos/file_7.jpg")
            update = tg.photo("AgACAgUAAxkBAAIB", size=len(image), caption=caption or None)
            [answer] = self._post(update)
            return answer
        url = self.twilio.add_media(content=image, content_type="image/png")
        [answer] = self._post(
            None, Body=caption, NumMedia="1", MediaUrl0=url, MediaContentType0="image/png"
        )
        return answer

    def sends_voice_note(self) -> str:
        if self.channel == "telegram":
            self.telegram.add_file("AwACAgUAAxkBAAIC", VOICE_OGG, file_path="voice/file_3.oga")
            [answer] = self._post(tg.voice("AwACAgUAAxkBAAIC", size=len(VOICE_OGG)))
            return answer
        url = self.twilio.add_media(content=VOICE_OGG, content_type="audio/ogg")
        [answer] = self._post(None, NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg")
        return answer

    def presses(self, choice: str) -> list[str]:
        """Choose `choice` of the last question as the channel lets them: a button where
        there are buttons, the number typed on SMS."""
        if self.channel == "telegram":
            [*_, asked] = [m for m in self.telegram.messages if m.reply_markup]
            return self._post(self.telegram.press(asked.message_id, choice))
        if self.channel == "whatsapp":
            [*_, asked] = [m for m in self.twilio.messages_to(f"whatsapp:{PHONE}") if m.content]
            title = asked.buttons[int(choice) - 1]
            return self._post(None, Body=title, ButtonPayload=choice, ButtonText=title)
        return self.says(choice)

    def news(self) -> list[str]:
        """What the outbox delivers now (the immediate answers are not news)."""
        before = len(self._sent_to_me())
        run_jobs(self.settings)
        return self._sent_to_me()[before:]


@pytest.fixture(params=CHANNELS, name="resident")
def on_every_channel(
    request: pytest.FixtureRequest,
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    twilio: FakeTwilio,
) -> Resident:
    """A resident on each channel in turn; a module that imports this has `resident`."""
    return Resident(client, settings, telegram, twilio, request.param)


def rows(settings: Settings, statement: str, **params) -> list:
    with get_engine(settings.database_url).begin() as connection:
        result = connection.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []


def cases(settings: Settings) -> list:
    return rows(
        settings,
        "SELECT c.tracking_code, c.status, a.code AS agency, c.nudges, c.latitude, c.text "
        "FROM cases c LEFT JOIN agencies a ON a.id = c.agency_id ORDER BY c.id",
    )


def files(resident: Resident, text: str) -> str:
    """The resident files `text`; its code, from the acknowledgement they receive."""
    count = len(cases(resident.settings))
    assert resident.says(text) == []
    [*_, case] = cases(resident.settings)
    assert len(cases(resident.settings)) == count + 1
    assert [m for m in resident.news() if case.tracking_code in m]  # the acknowledgement
    return case.tracking_code


def move(client: TestClient, staff: dict, code: str, status: str, note: str | None = None):
    body = {"status": status, **({"note": note} if note else {})}
    response = client.post(f"/api/v1/cases/{code}/transitions", json=body, headers=staff)
    assert response.status_code == 200, response.text
    return response.json()


def history(client: TestClient, staff: dict, code: str) -> list[dict]:
    return client.get(f"/api/v1/cases/{code}", headers=staff).json()["history"]


def age(settings: Settings, code: str, minutes: int) -> None:
    """The case was filed `minutes` ago."""
    rows(
        settings,
        "UPDATE cases SET created_at = :t WHERE tracking_code = :c",
        t=utcnow() - timedelta(minutes=minutes),
        c=code,
    )
