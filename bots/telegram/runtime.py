"""The python-telegram-bot Application: for the web process's lifetime (webhook), or polling on
its own (`aduan telegram poll`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import Engine
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bots.telegram.adapter import ALLOWED_UPDATES, handle_update
from bots.telegram.client import new_bot
from bots.telegram.update_shape import update_problem
from core.db import Dispatcher
from core.settings import Settings

log = logging.getLogger(__name__)


def build_application(settings: Settings, *, polling: bool = False) -> Application:
    """An Application around our bot (`new_bot`); webhooks need no updater."""
    builder = ApplicationBuilder().bot(new_bot(settings))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


class TelegramRuntime:
    """Starts the Application on first need, so Telegram being down never stops the web app."""

    def __init__(self, settings: Settings) -> None:
        self.application = build_application(settings)
        self._lock = asyncio.Lock()
        self._running = False

    async def ready(self) -> Application:
        async with self._lock:
            if not self._running:
                await self.application.initialize()  # calls getMe
                await self.application.start()
                self._running = True
        return self.application

    async def stop(self) -> None:
        if self._running:
            await self.application.stop()
            await self.application.shutdown()
            self._running = False


@asynccontextmanager
async def telegram_runtime(settings: Settings) -> AsyncIterator[TelegramRuntime | None]:
    """The runtime for the app's lifespan; None when no bot token is configured."""
    if not settings.telegram_bot_token:
        yield None
        return
    runtime = TelegramRuntime(settings)
    try:
        await runtime.ready()
    except TelegramError as exc:
        log.warning("Telegram not reachable at start-up, will retry on the first update: %s", exc)
    try:
        yield runtime
    finally:
        await runtime.stop()


def run_polling(settings: Settings, engine: Engine, dispatcher: Dispatcher) -> None:
    """Fetch updates by long polling and handle each as the webhook does, until the process is
    told to stop (SIGINT, SIGTERM)."""

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # python-telegram-bot has read it already; checked as the webhook checks its body
        if (problem := update_problem(update.to_dict())) is not None:
            log.warning("Telegram update %s ignored, malformed: %s", update.update_id, problem)
            return
        await handle_update(update, context.bot, engine, settings, dispatcher)

    application = build_application(settings, polling=True)
    application.add_handler(TypeHandler(Update, on_update))
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
