"""POST /webhooks/telegram: Telegram's only proof of origin is the secret token header."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status
from telegram import Update
from telegram.error import TelegramError

from bots.telegram.adapter import ALLOWED_UPDATES, handle_update
from bots.telegram.client import new_bot
from bots.telegram.update_shape import update_problem
from core.deps import SettingsDep
from core.responses import WEBHOOK_ERRORS
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"], responses=WEBHOOK_ERRORS)
WEBHOOK_PATH = "/webhooks/telegram"
MAX_UPDATE_BYTES = 1024 * 1024


class TelegramRefused(Exception):
    """Telegram did not take a request; the message is Telegram's reason."""


def register_webhook(settings: Settings, *, drop_pending: bool) -> str:
    """Ask Telegram to post updates to PUBLIC_BASE_URL + WEBHOOK_PATH with our secret token
    (and to drop the updates it holds, with `drop_pending`); returns that URL."""
    url = settings.public_base_url + WEBHOOK_PATH

    async def register() -> None:
        async with new_bot(settings) as bot:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=drop_pending,
            )

    try:
        asyncio.run(register())
    except TelegramError as exc:
        raise TelegramRefused(exc.message) from exc
    return url


@router.post(WEBHOOK_PATH)
async def telegram_webhook(
    request: Request,
    settings: SettingsDep,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    """Receive one Update. Handled before answering, so a failure makes Telegram retry; a
    malformed one (with the right secret) is logged and answered 200, filing nothing."""
    runtime = request.app.state.telegram
    expected = settings.telegram_webhook_secret
    if runtime is None or not expected:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Telegram webhook is not configured")
    if secret is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="missing secret token")
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="wrong secret token")
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="update too large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, a number of 5,000 digits...
        return _ignored(None, "body is not JSON")
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if (problem := update_problem(data)) is not None:
        return _ignored(update_id, problem)
    try:
        application = await runtime.ready()
    except TelegramError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail="Telegram unreachable"
        ) from exc
    try:
        update = Update.de_json(data, application.bot)
    except Exception as exc:  # PTB assumes well-formed input, and fails in many ways without
        return _ignored(update_id, f"python-telegram-bot cannot read it ({type(exc).__name__})")
    await handle_update(
        update, application.bot, request.app.state.engine, settings, request.app.state.dispatcher
    )
    return {"ok": True}


def _ignored(update_id: object, problem: str) -> dict[str, bool]:
    """The answer to a body with the right secret that is no Update we can act on: logged and
    accepted (200), as any other answer makes Telegram deliver it again and again, and the
    updates after it wait."""
    shown = update_id if isinstance(update_id, int) and 0 <= update_id <= 2**53 else "?"
    log.warning("Telegram update %s ignored, malformed: %s", shown, problem)
    return {"ok": True}
