"""The one way we make a Telegram client, for the webhook, polling and sending alike."""

from __future__ import annotations

from telegram import Bot

from core.settings import Settings


def new_bot(settings: Settings) -> Bot:
    """TELEGRAM_BOT_TOKEN's bot at TELEGRAM_API_URL and TELEGRAM_FILE_URL (Telegram itself, a
    local Bot API server, a test's fake), not yet initialised; the token must be set."""
    return Bot(
        settings.telegram_bot_token or "",
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
    )
