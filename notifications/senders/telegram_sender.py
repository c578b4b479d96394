"""Telegram messages through python-telegram-bot's Bot.

A `Forbidden` answer (the user blocked the bot, deleted their account, or never started it) is
final for the contact, not only for this message: the error says so and the delivery marks the
contact unreachable until they write to us again.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from aduan.settings import Settings
from notifications.senders.base import DeliveryError, OutboundMessage, SendResult


class TelegramSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _send(self, message: OutboundMessage) -> str:
        # A Bot is bound to the event loop it was first used in, and queue workers run each job
        # in a fresh loop, so the bot lives only as long as this one send.
        token = self.settings.telegram_bot_token
        if not token:
            raise DeliveryError(
                "Telegram is not configured: set TELEGRAM_BOT_TOKEN", permanent=False
            )
        bot = Bot(
            token,
            base_url=self.settings.telegram_api_url,
            base_file_url=self.settings.telegram_file_url,
        )
        async with bot:
            sent = await bot.send_message(chat_id=int(message.address), text=message.body)
        return str(sent.message_id)

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            return SendResult(provider_id=asyncio.run(self._send(message)), path="telegram")
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
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
