"""Telegram updates as the conversation sees them, and replies as Telegram shows them: Updates
shaped as the Bot API posts them, read and sent by python-telegram-bot against the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Update

from bots.telegram.adapter import send_replies, to_chat_event
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, ChatReply, MediaKind
from tests.bots import telegram_payloads as tg
from tests.fakes.media_samples import VOICE_OGG
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE

QUESTION = "Ini aduan baru? Balas 1 = aduan baru, 2 = tambahan untuk aduan HBPS-SX30"
CHOICES = ("Aduan baru", "Tambahan HBPS-SX30")


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(telegram.token, base_url=telegram.api_url, base_file_url=telegram.file_url) as b:
        yield b


def read(update: dict[str, Any], bot: Bot, settings: Settings) -> ChatEvent | None:
    return to_chat_event(Update.de_json(update, bot), bot, settings)


async def test_every_message_names_itself_and_an_edit_names_the_same_message(
    bot: Bot, settings: Settings
) -> None:
    """message_ref is chat:message; an edit keeps it, has an external_id of its own (the dedupe
    key) and the time of the edit, and carries the new text."""
    original = tg.text(POTHOLE)
    edit = tg.edit_of(original, seconds=90, text=POTHOLE + " depan SD 2")
    first, second = read(original, bot, settings), read(edit, bot, settings)
    message_id = original["message"]["message_id"]
    assert first.message_ref == second.message_ref == f"{tg.CHAT_ID}:{message_id}"
    assert (first.edited, second.edited) == (False, True)
    assert (first.external_id, second.external_id) == (
        str(original["update_id"]),
        str(edit["update_id"]),
    )
    assert second.text == POTHOLE + " depan SD 2"
    assert int((second.received_at - first.received_at).total_seconds()) == 90


async def test_an_edited_caption_is_the_new_text_without_the_file_again(
    bot: Bot, settings: Settings
) -> None:
    """The photo went with the message itself: its edit brings the caption only."""
    original = tg.photo("AgACAgQ", size=5000, caption=POTHOLE)
    edit = read(tg.edit_of(original, caption="Jalan amblas di Jl. Pemuda"), bot, settings)
    assert (edit.edited, edit.text, edit.media) == (True, "Jalan amblas di Jl. Pemuda", ())


async def test_a_live_location_moving_is_not_answered(bot: Bot, settings: Settings) -> None:
    """A shared live location arrives as a stream of edits without text: none is a message."""
    original = tg.location(-6.9932, 110.4203)
    original["message"]["location"]["live_period"] = 900
    moved = {"latitude": -6.9935, "longitude": 110.4207, "live_period": 900}
    assert read(tg.edit_of(original, location=moved), bot, settings) is None


@pytest.mark.parametrize(
    ("update", "kind", "filename", "caption"),
    [
        (tg.voice("v1", 900, caption=POTHOLE), MediaKind.voice, None, POTHOLE),
        (tg.audio("a1", 900, file_name="rekaman.mp3"), MediaKind.audio, "rekaman.mp3", None),
        (tg.video("m1", 900, caption="banjir"), MediaKind.video, None, "banjir"),
        (tg.video_note("n1", 900), MediaKind.video, None, None),
        (tg.animation("g1", 900), MediaKind.video, "banjir.gif.mp4", None),
        (
            tg.document("d1", 900, "surat.pdf", "application/pdf"),
            MediaKind.document,
            "surat.pdf",
            None,
        ),
        (tg.photo("p1", 900, caption=POTHOLE), MediaKind.photo, None, POTHOLE),
    ],
    ids=["voice", "audio", "video", "video_note", "animation", "document", "photo"],
)
async def test_each_kind_of_file_is_named_as_sent_with_its_caption(
    bot: Bot,
    settings: Settings,
    update: dict,
    kind: MediaKind,
    filename: str | None,
    caption: str | None,
) -> None:
    """Voice, audio, video (and round videos and GIFs), documents and photos each arrive as
    their kind; the caption is the message's text."""
    event = read(update, bot, settings)
    [item] = event.media
    assert (item.kind, item.filename, event.text) == (kind, filename, caption)


@pytest.mark.parametrize("update", [tg.sticker(), tg.contact(), tg.poll()])
async def test_stickers_contacts_and_polls_carry_nothing(
    bot: Bot, settings: Settings, update: dict
) -> None:
    """The conversation answers these as unsupported: no file and no text reach it."""
    event = read(update, bot, settings)
    assert (event.text, event.media, event.location) == (None, (), None)


async def test_a_voice_note_is_fetched_with_the_type_telegram_names(
    bot: Bot, settings: Settings, telegram: FakeTelegram
) -> None:
    """The download runs through the Bot API when the conversation asks for it (from its worker
    thread), with Telegram's declared type beside the bytes."""
    telegram.add_file("v-real", VOICE_OGG, file_path="voice/file_3.oga")
    [item] = read(tg.voice("v-real", len(VOICE_OGG)), bot, settings).media
    assert telegram.calls_to("getFile") == []
    assert await asyncio.to_thread(item.fetch) == (VOICE_OGG, "audio/ogg")


async def test_choices_are_inline_buttons_that_send_their_number(
    bot: Bot, telegram: FakeTelegram
) -> None:
    """A reply with choices shows one button per choice, each with its number as callback data
    (a press reads as the typed number); a blank label shows the number."""
    outcome = ChatOutcome(
        [ChatReply("Terima kasih."), ChatReply(QUESTION, choices=(*CHOICES, " "))]
    )
    await send_replies(bot, tg.CHAT_ID, outcome, update_id=1)
    plain, question = telegram.messages
    assert plain.reply_markup is None
    assert question.text == QUESTION
    assert question.reply_markup == {
        "inline_keyboard": [
            [{"text": "Aduan baru", "callback_data": "1"}],
            [{"text": "Tambahan HBPS-SX30", "callback_data": "2"}],
            [{"text": "3", "callback_data": "3"}],
        ]
    }


async def test_choices_win_over_the_location_button(bot: Bot, telegram: FakeTelegram) -> None:
    """A message holds one keyboard: a reply that asks a question shows its choices."""
    reply = ChatReply(QUESTION, offer_location=True, choices=CHOICES)
    await send_replies(bot, tg.CHAT_ID, ChatOutcome([reply]), update_id=1)
    [sent] = telegram.messages
    assert "inline_keyboard" in sent.reply_markup


async def test_a_refused_keyboard_leaves_the_text_complete(
    bot: Bot, telegram: FakeTelegram
) -> None:
    """Should Telegram refuse the buttons, the question still goes, numbered, without them."""
    telegram.fail_next(1, status=400, method="sendMessage")
    await send_replies(bot, tg.CHAT_ID, ChatOutcome([ChatReply(QUESTION, choices=CHOICES)]), 1)
    [sent] = telegram.messages
    assert (sent.text, sent.reply_markup) == (QUESTION, None)


async def sent_question(bot: Bot, telegram: FakeTelegram) -> int:
    await send_replies(bot, tg.CHAT_ID, ChatOutcome([ChatReply(QUESTION, choices=CHOICES)]), 1)
    return telegram.messages[-1].message_id


async def test_a_press_is_the_typed_number_from_the_chat_once_per_keyboard(
    bot: Bot, settings: Settings, telegram: FakeTelegram
) -> None:
    """A press reads as its number from the chat of the question. Its dedupe key is the
    keyboard, so a second tap before the keyboard is gone is a duplicate."""
    message_id = await sent_question(bot, telegram)
    first, again = telegram.press(message_id, "2"), telegram.press(message_id, "1")
    event = read(first, bot, settings)
    assert (event.text, event.sender.address, event.slash_commands) == ("2", str(tg.CHAT_ID), True)
    assert event.external_id == read(again, bot, settings).external_id
    assert event.name == "Warga" and event.edited is False


def _forged(update: dict, **changes: Any) -> dict:
    query = update["callback_query"]
    return {**update, "callback_query": {**query, **changes}}


async def test_stale_or_foreign_presses_are_not_read(
    bot: Bot, settings: Settings, telegram: FakeTelegram
) -> None:
    """Not taken: a press whose keyboard is gone, data no button carries, a press by someone
    else, in a group, or on a message too old for Telegram to show (InaccessibleMessage)."""
    message_id = await sent_question(bot, telegram)
    press = telegram.press(message_id, "1")
    message = press["callback_query"]["message"]
    group = {**message, "chat": {"id": -100987654321, "title": "RT 05", "type": "supergroup"}}
    inaccessible = {"chat": message["chat"], "message_id": message_id, "date": 0}
    stale = {key: value for key, value in message.items() if key != "reply_markup"}
    for update in [
        _forged(press, message=stale),
        _forged(press, data="7"),
        _forged(press, **{"from": {"id": 1, "is_bot": False, "first_name": "Lain"}}),
        _forged(press, message=group),
        _forged(press, message=inaccessible),
    ]:
        assert read(update, bot, settings) is None
    assert read(press, bot, settings) is not None
