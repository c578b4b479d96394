"""Telegram updates in, conversation replies out. No business rules live here."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, TelegramError

from bots.telegram.choices import choice_keyboard, press_id, pressed_message, settle_press
from cases.enums import SourceChannel
from core.db import open_session, utcnow
from core.media import MediaRejected
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, ChatReply, MediaFetch, MediaItem, MediaKind
from intake.chat_text import SHARE_LOCATION, say
from intake.conversation import handle
from intake.media import MediaDownloadError
from intake.messages import Location, ReplyAddress
from notifications.dispatch import Dispatcher
from notifications.enums import Channel

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT = 60.0
# the updates we ask Telegram for (webhook and polling alike): `to_chat_event` reads no others
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# a message's file and what the resident sent, by the Message field that holds it. An animation
# (a GIF, sent as silent MP4) also fills `document`, so it is looked at first.
FILE_KINDS = (
    ("animation", MediaKind.video),
    ("voice", MediaKind.voice),
    ("audio", MediaKind.audio),
    ("video", MediaKind.video),
    ("video_note", MediaKind.video),
    ("document", MediaKind.document),
)


def _media_fetch(
    bot: Bot, file_id: str, size: int | None, declared: str | None, settings: Settings
) -> MediaFetch:
    """A download the conversation runs only once it knows the message is new.

    The conversation runs in a worker thread; the bot belongs to the web process's event loop,
    so the download is handed back to that loop. `declared` is the type Telegram names (the
    bytes decide, core.media).
    """
    loop = asyncio.get_running_loop()

    async def download() -> bytes:
        telegram_file = await bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    def fetch() -> tuple[bytes, str | None]:
        if size is not None and size > settings.media_max_bytes:
            raise MediaRejected("too_large", "the file is larger than MEDIA_MAX_BYTES")
        try:
            data = asyncio.run_coroutine_threadsafe(download(), loop).result(DOWNLOAD_TIMEOUT)
        except (TelegramError, TimeoutError) as exc:
            raise MediaDownloadError(f"Telegram file {file_id}: {exc}") from exc
        return data, declared

    return fetch


def _media(message: Message, bot: Bot, settings: Settings) -> tuple[MediaItem, ...]:
    """The file of a message, named as the resident's app sent it; stickers, contacts, polls
    and the like carry none the conversation takes."""
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        fetch = _media_fetch(bot, largest.file_id, largest.file_size, None, settings)
        return (MediaItem(MediaKind.photo, fetch),)
    for field, kind in FILE_KINDS:
        file = getattr(message, field)
        if file is not None:
            declared = getattr(file, "mime_type", None)
            fetch = _media_fetch(bot, file.file_id, file.file_size, declared, settings)
            return (MediaItem(kind, fetch, getattr(file, "file_name", None)),)
    return ()


def _from_resident(message: Message | None) -> bool:
    """A message a resident wrote to the bot in a private chat (never a group's, nor a bot's)."""
    if message is None or message.chat.type != "private":
        return False
    return message.from_user is None or not message.from_user.is_bot


def _sender(message: Message) -> ReplyAddress:
    return ReplyAddress(Channel.telegram, str(message.chat.id))


def to_chat_event(update: Update, bot: Bot, settings: Settings) -> ChatEvent | None:
    """The conversation's view of an update, or None for what we do not answer.

    Only private chats count, so the bot never speaks in a group. A new message brings its text
    (or caption), location and file; an edit brings only the new text, with the `message_ref`
    of the message it changes (an edit without text, such as a live location moving, is not
    answered); a pressed button brings its number as text (`choices`).
    """
    if update.callback_query is not None:
        return _press_event(update)
    edited = update.message is None
    message = update.message or update.edited_message
    if message is None or not _from_resident(message):
        return None
    text = message.text or message.caption
    if edited and text is None:
        return None
    location = None
    if message.location is not None and not edited:
        location = Location(message.location.latitude, message.location.longitude)
    return ChatEvent(
        channel=SourceChannel.telegram,
        sender=_sender(message),
        external_id=str(update.update_id),
        received_at=(message.edit_date or message.date) if edited else message.date,
        text=text,
        location=location,
        media=() if edited else _media(message, bot, settings),
        name=message.from_user.full_name if message.from_user else None,
        slash_commands=True,
        message_ref=f"{message.chat.id}:{message.message_id}",
        edited=edited,
    )


def _press_event(update: Update) -> ChatEvent | None:
    query = update.callback_query
    message = pressed_message(query)
    if message is None:
        return None
    return ChatEvent(
        channel=SourceChannel.telegram,
        sender=_sender(message),
        external_id=press_id(message),
        received_at=utcnow(),  # a press carries no time of its own
        text=query.data,
        name=query.from_user.full_name,
        slash_commands=True,
    )


def _markup(reply: ChatReply, language: str) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Buttons for a reply's choices, else the share-location button it offers (a message holds
    one keyboard, and the choices are what the reply asks for)."""
    if reply.choices:
        return choice_keyboard(reply.choices)
    if not reply.offer_location:
        return None
    button = KeyboardButton(say(language, SHARE_LOCATION), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def send_replies(bot: Bot, chat_id: int, outcome: ChatOutcome, update_id: int) -> None:
    """Send the replies in order. A reply Telegram refuses is logged, not retried: the answer to
    a message is not one we owe, the resident can simply ask again. Its text is complete
    without buttons, so one whose keyboard Telegram refuses goes again without it."""
    for reply in outcome.replies:
        markup = _markup(reply, outcome.language)
        try:
            try:
                await bot.send_message(chat_id=chat_id, text=reply.text, reply_markup=markup)
            except BadRequest:
                if not isinstance(markup, InlineKeyboardMarkup):
                    raise
                await bot.send_message(chat_id=chat_id, text=reply.text)
        except TelegramError as exc:
            log.warning("reply to update %s not sent: %s", update_id, exc)


async def handle_update(
    update: Update,
    bot: Bot,
    engine: Engine,
    settings: Settings,
    dispatcher: Dispatcher | None,
) -> None:
    """Handle one update end to end; database errors propagate so Telegram retries."""
    if update.callback_query is not None:
        await settle_press(bot, update.callback_query)
    event = to_chat_event(update, bot, settings)
    if event is None:
        return

    def run() -> ChatOutcome:
        with open_session(engine, dispatcher=dispatcher) as session:
            return handle(session, settings, event)

    outcome = await asyncio.to_thread(run)
    await send_replies(bot, int(event.sender.address), outcome, update.update_id)
