"""Updates Telegram would never send, with the right secret: each is answered 200 (anything else
makes Telegram deliver it again and again), logged, and files, stores and says nothing."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.bots.telegram.test_webhook import question_sent
from tests.channels import TELEGRAM_HEADERS
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE

Update = dict[str, Any]


def post_raw(client: TestClient, update: Update) -> int:
    """Post `update` encoded as Telegram encodes it: ASCII JSON, so a lone surrogate arrives as
    the escape `\\ud800`."""
    body = json.dumps(update).encode()
    headers = {**TELEGRAM_HEADERS, "Content-Type": "application/json"}
    return client.post("/webhooks/telegram", content=body, headers=headers).status_code


def stored(settings: Settings) -> dict[str, int]:
    with get_engine(settings.database_url).connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("cases", "contacts", "inbound_receipts", "pending_locations")
        }


NOTHING = {"cases": 0, "contacts": 0, "inbound_receipts": 0, "pending_locations": 0}


def changed(update: Update, *path: str, to: object = None, drop: bool = False) -> Update:
    """`update` with the field at `path` set `to` a value, or dropped."""
    update = copy.deepcopy(update)
    *parents, last = path
    inner = update
    for key in parents:
        inner = inner[key]
    if drop:
        del inner[last]
    else:
        inner[last] = to
    return update


def complaint() -> Update:
    return tg.text(POTHOLE)


def located() -> Update:
    return tg.location(-6.99, 110.42)


def photo() -> Update:
    return tg.photo("AgAD-photo", 50_000, caption=POTHOLE)


MESSAGES: dict[str, Callable[[], Update]] = {
    "no chat": lambda: changed(complaint(), "message", "chat", drop=True),
    "chat id 'abc'": lambda: changed(complaint(), "message", "chat", "id", to="abc"),
    "chat id as a string of digits": lambda: changed(
        complaint(), "message", "chat", "id", to=str(tg.CHAT_ID)
    ),
    "chat id 1.5": lambda: changed(complaint(), "message", "chat", "id", to=1.5),
    "chat id null": lambda: changed(complaint(), "message", "chat", "id", to=None),
    "chat id of 31 digits": lambda: changed(complaint(), "message", "chat", "id", to=10**30),
    "chat a string": lambda: changed(complaint(), "message", "chat", to="x"),
    "latitude and longitude strings": lambda: changed(
        located(), "message", "location", to={"latitude": "-6.99", "longitude": "110.42"}
    ),
    "latitude a word": lambda: changed(located(), "message", "location", "latitude", to="x"),
    "latitude 1000": lambda: changed(located(), "message", "location", "latitude", to=1000),
    "latitude null": lambda: changed(located(), "message", "location", "latitude", to=None),
    "longitude missing": lambda: changed(located(), "message", "location", "longitude", drop=True),
    "text a number": lambda: changed(complaint(), "message", "text", to=12345),
    "text a list": lambda: changed(complaint(), "message", "text", to=[POTHOLE]),
    "text with NUL": lambda: changed(complaint(), "message", "text", to=POTHOLE + "\x00"),
    "text with a lone surrogate": lambda: changed(
        complaint(), "message", "text", to="jalan rusak \ud800 parah sekali di depan pasar"
    ),
    "caption with NUL": lambda: changed(photo(), "message", "caption", to="\x00" + POTHOLE),
    "date of 21 digits": lambda: changed(complaint(), "message", "date", to=10**20),
    "date a word": lambda: changed(complaint(), "message", "date", to="today"),
    "sender a string": lambda: changed(complaint(), "message", "from", to="x"),
    "sender's name with NUL": lambda: changed(
        complaint(), "message", "from", "first_name", to="Si\x00ti"
    ),
    "sender's name of 5,000 letters": lambda: changed(
        complaint(), "message", "from", "first_name", to="S" * 5000
    ),
    "is_bot a string": lambda: changed(complaint(), "message", "from", "is_bot", to="no"),
    "message id a word": lambda: changed(complaint(), "message", "message_id", to="x"),
    "update id of 41 digits": lambda: changed(complaint(), "update_id", to=10**40),
    "photo width a word": lambda: changed(photo(), "message", "photo", 0, "width", to="x"),
    "photo size a word": lambda: changed(photo(), "message", "photo", 1, "file_size", to="big"),
    "photo a string": lambda: changed(photo(), "message", "photo", to="x"),
    "document type a number": lambda: changed(
        tg.document("BQAD-doc", 9000, "laporan.pdf", "application/pdf"),
        "message",
        "document",
        "mime_type",
        to=5,
    ),
    "entities a string": lambda: changed(complaint(), "message", "entities", to="x"),
}
EDITS: dict[str, Callable[[], Update]] = {
    "edit without chat": lambda: changed(tg.edited(POTHOLE), "edited_message", "chat", drop=True),
    "edit date a word": lambda: changed(tg.edited(POTHOLE), "edited_message", "edit_date", to="x"),
    "edit text a number": lambda: changed(tg.edited(POTHOLE), "edited_message", "text", to=5),
    "edit text with NUL": lambda: changed(
        tg.edited(POTHOLE), "edited_message", "text", to=POTHOLE + "\x00"
    ),
}


@pytest.mark.parametrize("kinds", [MESSAGES, EDITS], ids=["messages", "edits"])
def test_malformed_messages_are_logged_and_file_nothing(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    kinds: dict[str, Callable[[], Update]],
) -> None:
    """Each malformed message or edit: 200, a warning naming the update, nothing stored or
    sent. A well-formed complaint afterwards (with an emoji, a surrogate pair in JSON) files."""
    caplog.set_level(logging.WARNING, logger="bots.telegram.webhook")
    for name, make in kinds.items():
        update = make()
        assert post_raw(client, update) == 200, name
        warnings = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
        assert len(warnings) == list(kinds).index(name) + 1, name
        assert stored(settings) == NOTHING, name
    assert telegram.messages == []
    assert post_raw(client, tg.text(POTHOLE + " \U0001f621")) == 200
    assert stored(settings)["cases"] == 1


def test_malformed_button_presses_are_logged_and_change_nothing(
    client: TestClient,
    settings: Settings,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A press without a sender, with a chat id "abc", with data or a keyboard of the wrong
    type or with NUL: 200, logged, not answered, nothing stored; the keyboard stays."""
    caplog.set_level(logging.WARNING, logger="bots.telegram.webhook")
    sent = question_sent(telegram)
    query = ("callback_query",)
    presses = {
        "no sender": changed(telegram.press(sent), *query, "from", drop=True),
        "data a number": changed(telegram.press(sent), *query, "data", to=1),
        "data with NUL": changed(telegram.press(sent), *query, "data", to="1\x00"),
        "query id a number": changed(telegram.press(sent), *query, "id", to=5),
        "keyboard a string": changed(
            telegram.press(sent), *query, "message", "reply_markup", to={"inline_keyboard": "x"}
        ),
        "chat id 'abc'": changed(
            changed(telegram.press(sent), *query, "message", "chat", "id", to="abc"),
            *query,
            "from",
            "id",
            to="abc",
        ),
    }
    for name, update in presses.items():
        assert post_raw(client, update) == 200, name
        assert stored(settings) == NOTHING, name
    warnings = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == len(presses)
    assert telegram.calls_to("answerCallbackQuery") == []
    assert telegram.keyboard(sent) is not None
    assert len(telegram.messages) == 1  # the question itself
