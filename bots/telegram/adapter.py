"""Telegram updates in, conversation replies out. No business rules live here."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from telegram import Bot, KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.error import TelegramError

from cases.enums import SourceChannel
from core.db import open_session
from core.settings import Settings
from intake.chat import ChatEvent, ChatOutcome, ChatReply, MediaFetch, MediaItem, MediaKind
from intake.chat_text import SHARE_LOCATION, say
from intake.conversation import handle
from intake.media import MediaDownloadError, MediaRejected
from intake.messages import Location, ReplyAddress
from notifications.dispatch import Dispatcher
from notifications.enums import Channel

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT = 60.0
# the updates we ask Telegram for (webhook and polling alike): `to_chat_event` reads no others
ALLOWED_UPDATES = ["message"]


def _media_fetch(bot: Bot, file_id: str, size: int | None, settings: Settings) -> MediaFetch:
    """A download the conversation runs only once it knows the message is new.

    The conversation runs in a worker thread; the bot belongs to the web process's event loop,
    so the download is handed back to that loop.
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
        return data, None  # Telegram does not say; the bytes do

    return fetch


def to_chat_event(update: Update, bot: Bot, settings: Settings) -> ChatEvent | None:
    """The conversation's view of an update, or None for what we do not answer.

    Only new messages in private chats count: edits, channel posts and group chats are left
    alone, so the bot never speaks in a group and never files a complaint twice for an edit.
    """
    message: Message | None = update.message
    if message is None or message.chat.type != "private":
        return None
    if message.from_user is not None and message.from_user.is_bot:
        return None
    media: tuple[MediaItem, ...] = ()
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        fetch = _media_fetch(bot, largest.file_id, largest.file_size, settings)
        media = (MediaItem(MediaKind.photo, fetch),)
    elif message.document is not None:
        document = message.document
        fetch = _media_fetch(bot, document.file_id, document.file_size, settings)
        media = (MediaItem(MediaKind.document, fetch, document.file_name),)
    location = None
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
    return ChatEvent(
        channel=SourceChannel.telegram,
        sender=ReplyAddress(Channel.telegram, str(message.chat.id)),
        external_id=str(update.update_id),
        received_at=message.date,
        text=message.text or message.caption,
        location=location,
        media=media,
        name=message.from_user.full_name if message.from_user else None,
        slash_commands=True,
    )


def _markup(reply: ChatReply, language: str) -> ReplyKeyboardMarkup | None:
    if not reply.offer_location:
        return None
    button = KeyboardButton(say(language, SHARE_LOCATION), request_location=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def handle_update(
    update: Update,
    bot: Bot,
    engine: Engine,
    settings: Settings,
    dispatcher: Dispatcher | None,
) -> None:
    """Handle one update end to end; database errors propagate so Telegram retries."""
    event = to_chat_event(update, bot, settings)
    if event is None:
        return

    def run() -> ChatOutcome:
        with open_session(engine, dispatcher=dispatcher) as session:
            return handle(session, settings, event)

    outcome = await asyncio.to_thread(run)
    for reply in outcome.replies:
        try:
            await bot.send_message(
                chat_id=int(event.sender.address),
                text=reply.text,
                reply_markup=_markup(reply, outcome.language),
            )
        except TelegramError as exc:
            # the answer to a command is not a message we owe: the citizen can simply ask again
            log.warning("reply to update %s not sent: %s", event.external_id, exc)
