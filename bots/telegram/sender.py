"""The Telegram channel: messages out through python-telegram-bot's Bot.

One message holds at most 4096 characters (sendMessage's limit); the outbox splits longer ones.
A message with a photo (an officer's after-photo) goes with sendPhoto, its text as the caption
(cut at 1024 characters); the rating request carries buttons 1 to 5 and "not fixed"
(`choices.rating_keyboard`), which the webhook reads as the resident typing them.

A `Forbidden` answer (the user blocked the bot, deleted their account, or never started it) is
final for the contact, not only for this message: the error says so and the delivery marks the
contact unreachable until they write to us again.

A 429 (flood control, `RetryAfter`) holds every further message of this bot in this process until
the time Telegram named: a request made sooner, to any chat, is refused as well and can lengthen
the wait, so those messages are put back for then without asking.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bots.telegram.choices import rating_keyboard
from bots.telegram.client import new_bot
from core.settings import Settings
from core.storage import MediaNotFound
from notifications.channels import DeliveryError, OutboundMessage, SendResult
from notifications.enums import Channel, MessageKind

log = logging.getLogger(__name__)
# the most characters a photo's caption holds (sendPhoto)
CAPTION_MAX = 1024

# A Bot is bound to the event loop it was first used in. Each sending thread keeps one loop and
# its Bots on it: a Bot made, initialised (a getMe call) and closed for every message cost the
# worker 54 ms of CPU a message, and every message a new connection and a getMe to Telegram.
_thread = threading.local()
BOTS_PER_THREAD = 4  # configurations a thread keeps a Bot for (one in production)


def _loop() -> asyncio.Runner:
    if getattr(_thread, "runner", None) is None:
        _thread.runner = asyncio.Runner()
        _thread.bots = {}
    return _thread.runner


async def _bot(settings: Settings) -> Bot:
    """This thread's initialised Bot for the configuration (a Bot that failed to initialise is
    not kept: the next message tries again)."""
    bots: dict[tuple[str | None, str, str], Bot] = _thread.bots
    key = (settings.telegram_bot_token, settings.telegram_api_url, settings.telegram_file_url)
    if key not in bots:
        bot = new_bot(settings)
        await bot.initialize()
        if len(bots) >= BOTS_PER_THREAD:
            await bots.pop(next(iter(bots))).shutdown()
        bots[key] = bot
    return bots[key]


# when each bot (token and API address) may be sent to again, on time.monotonic()
_quiet_until: dict[tuple[str, str], float] = {}
_quiet_lock = threading.Lock()


def _hold_off(bot: tuple[str, str], seconds: float) -> None:
    with _quiet_lock:
        _quiet_until[bot] = max(_quiet_until.get(bot, 0.0), time.monotonic() + seconds)


def _held_for(bot: tuple[str, str]) -> float:
    """Seconds this bot must still keep quiet (0 when it may send)."""
    with _quiet_lock:
        return max(_quiet_until.get(bot, 0.0) - time.monotonic(), 0.0)


def caption(text: str) -> str:
    """`text` as a photo's caption: at most CAPTION_MAX characters, cut between words with "…"
    (the rating request's buttons still ask what a cut question would)."""
    if len(text) <= CAPTION_MAX:
        return text
    return text[: CAPTION_MAX - 1].rsplit(" ", 1)[0].rstrip() + "…"


def _photo_bytes(message: OutboundMessage) -> bytes | None:
    """The message's photo; None without one, or when its file is gone from storage (the
    text then goes alone rather than not at all)."""
    if message.photo is None:
        return None
    try:
        return message.photo.read()
    except MediaNotFound:
        log.error("the photo of a %s message is missing from storage", message.kind)
        return None


class TelegramChannel:
    name: str = Channel.telegram
    max_chars: int | None = 4096
    # sent with sendPhoto, the text as its caption
    photos: bool = True

    async def _send(self, message: OutboundMessage, settings: Settings) -> str:
        if not settings.telegram_bot_token:
            raise DeliveryError(
                "Telegram is not configured: set TELEGRAM_BOT_TOKEN", permanent=False
            )
        bot = await _bot(settings)
        chat_id = int(message.address)
        markup = (
            rating_keyboard(message.language)
            if message.kind == MessageKind.rating_request
            else None
        )
        photo = _photo_bytes(message)
        if photo is not None:
            sent = await bot.send_photo(
                chat_id=chat_id, photo=photo, caption=caption(message.body), reply_markup=markup
            )
        else:
            sent = await bot.send_message(chat_id=chat_id, text=message.body, reply_markup=markup)
        return str(sent.message_id)

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        bot = (settings.telegram_bot_token or "", settings.telegram_api_url)
        if (held := _held_for(bot)) > 0:
            raise DeliveryError(
                f"Telegram rate limit: holding off {held:.1f}s more",
                permanent=False,
                retry_after=held,
                attempted=False,
            )
        try:
            return SendResult(
                provider_id=_loop().run(self._send(message, settings)), path="telegram"
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            _hold_off(bot, seconds)
            raise DeliveryError(
                f"Telegram rate limit: retry after {seconds}s", permanent=False, retry_after=seconds
            ) from exc
        except Forbidden as exc:
            raise DeliveryError(
                f"Telegram refused: {exc.message}", permanent=True, unreachable=True
            ) from exc
        except BadRequest as exc:
            raise DeliveryError(
                f"Telegram rejected the message: {exc.message}", permanent=True
            ) from exc
        except TelegramError as exc:
            raise DeliveryError(f"Telegram unreachable: {exc.message}", permanent=False) from exc
