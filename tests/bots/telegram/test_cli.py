"""`aduan telegram set-webhook` and `aduan telegram poll` against the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import sqlalchemy as sa

from core.db import get_engine
from core.settings import Settings
from tests.bots import telegram_payloads as tg
from tests.browser import sqlite_only  # noqa: F401 - polling and the Bot API calls are the same on both
from tests.cli import run_aduan
from tests.conftest import TELEGRAM_SECRET
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import POTHOLE

ADUAN = [sys.executable, "-m", "aduan"]


def test_set_webhook_registers_our_url_and_secret(
    settings: Settings, telegram: FakeTelegram
) -> None:
    """The webhook points at PUBLIC_BASE_URL/webhooks/telegram and carries the secret."""
    result = run_aduan("telegram", "set-webhook")
    assert result.returncode == 0, result.stderr
    assert telegram.webhook["url"] == "https://aduan.example.go.id/webhooks/telegram"
    assert telegram.webhook["secret_token"] == TELEGRAM_SECRET
    assert telegram.webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]


def test_set_webhook_refuses_without_a_secret(settings: Settings, telegram: FakeTelegram) -> None:
    """Registering a webhook nobody can authenticate is refused before calling Telegram."""
    result = run_aduan("telegram", "set-webhook", env={"TELEGRAM_WEBHOOK_SECRET": ""})
    assert result.returncode == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert telegram.calls_to("setWebhook") == []


def test_polling_answers_and_files_complaints(settings: Settings, telegram: FakeTelegram) -> None:
    """Long polling runs the same conversation: /start is answered and a complaint is filed;
    a malformed update before them is logged and files nothing."""
    env = {**os.environ}
    env.pop("REDIS_URL")  # the embedded delivery thread sends the acknowledgement
    process = subprocess.Popen(
        [*ADUAN, "telegram", "poll"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    malformed = tg.text(POTHOLE)
    malformed["message"]["chat"]["id"] = "abc"  # was filed, then failed on replying
    try:
        telegram.push_update(malformed)
        telegram.push_update(tg.text("/start"))
        telegram.wait_for(lambda: telegram.messages, timeout=30)
        telegram.push_update(tg.text(POTHOLE))
        ack = telegram.wait_for(
            lambda: [m for m in telegram.messages if "diterima" in m.text], timeout=30
        )[0]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    with get_engine(settings.database_url).connect() as connection:
        [code] = connection.execute(sa.text("SELECT tracking_code FROM cases")).scalars().all()
    assert code in ack.text
    assert "Ceritakan masalahnya" in telegram.messages[0].text
    # polling asks for the same updates as the webhook: edits and button presses too
    asked = {tuple(call.params["allowed_updates"]) for call in telegram.calls_to("getUpdates")}
    assert asked == {("message", "edited_message", "callback_query")}
    assert process.returncode is not None, output
    assert "ignored, malformed: message.chat.id: int_type" in output
