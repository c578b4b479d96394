"""The Telegram channel out: sendMessage, its 4096 characters, its rate limit, a blocked bot."""

from __future__ import annotations

from datetime import timedelta

from core.db import get_engine, utcnow
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery, deliver
from notifications.enums import Channel
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import outbox, owe_long_message, owe_message, run_jobs, words


def test_long_telegram_message_goes_as_ordered_parts(
    settings: Settings, telegram: FakeTelegram
) -> None:
    """A 9000-character Telegram body becomes 3 rows, delivered in order, each within 4096."""
    body = words(1125)  # 1125 * 8 - 1 = 8999 characters
    owe_long_message(settings, Channel.telegram, "700100", body)
    run_jobs(settings)
    rows = outbox(settings)
    assert [row.status for row in rows] == ["sent", "sent", "sent"]
    assert [row.path for row in rows] == ["telegram"] * 3
    texts = [message.text for message in telegram.messages]
    assert texts == [row.body for row in rows]
    assert [text[:6] for text in texts] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(len(text) <= 4096 for text in texts)
    assert " ".join(text[6:] for text in texts).split() == body.split()


def test_telegram_messages_go_through_the_bot_api(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """A Telegram contact is messaged with sendMessage on its chat id."""
    row_id = owe_message(settings, Channel.telegram, "987654321", body="Aduan ABCD-1234: selesai")
    result = attempt_delivery(
        get_engine(settings.database_url), settings, row_id, channels=channels
    )
    assert result.outcome is Outcome.sent
    [message] = telegram.messages
    assert (message.chat_id, message.text) == (987654321, "Aduan ABCD-1234: selesai")


def test_a_sending_thread_keeps_its_bot(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """One chat's messages (about five cases, so none waits for another) go out on one thread,
    through one Bot made and checked (getMe) once, not once per message."""
    chat = "987654322"
    ids = [
        owe_message(settings, Channel.telegram, chat, body=f"pesan {n}", reference=f"TEST-000{n}")
        for n in range(5)
    ]
    results = deliver(get_engine(settings.database_url), settings, ids, channels=channels)
    assert {r.outcome for r in results.values()} == {Outcome.sent}
    assert [m.text for m in telegram.messages] == [f"pesan {n}" for n in range(5)]
    assert len(telegram.calls_to("getMe")) == 1


def test_telegram_rate_limit_waits_as_long_as_telegram_asks(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """A 429 with retry_after schedules the next attempt no sooner than Telegram asked."""
    telegram.rate_limit_next(1, retry_after=7, method="sendMessage")
    row_id = owe_message(settings, Channel.telegram, "55501")
    before = utcnow()
    result = attempt_delivery(
        get_engine(settings.database_url), settings, row_id, channels=channels
    )
    assert result.outcome is Outcome.retry
    assert result.retry_at >= before + timedelta(seconds=7)


def test_after_a_rate_limit_the_bot_keeps_quiet_as_long_as_telegram_asks(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """A 429 holds the bot, not one message: the same chat's message about another case and
    another chat's go back for the time Telegram named without a request, their tries not
    counted (Telegram refuses, and may lengthen the wait for, whatever comes sooner)."""
    one_at_a_time = settings.model_copy(update={"notify_send_concurrency": 1})
    telegram.rate_limit_next(1, retry_after=7, method="sendMessage")
    ids = [
        owe_message(settings, Channel.telegram, "55511", reference="TEST-0001"),
        owe_message(settings, Channel.telegram, "55511", reference="TEST-0002"),
        owe_message(settings, Channel.telegram, "55512", reference="TEST-0003"),
    ]
    before = utcnow()
    results = deliver(get_engine(settings.database_url), one_at_a_time, ids, channels=channels)
    assert [results[i].outcome for i in ids] == [Outcome.retry] * 3
    assert all(results[i].retry_at >= before + timedelta(seconds=6.9) for i in ids)
    assert len(telegram.calls_to("sendMessage")) == 1
    rows = outbox(settings)
    assert [(row.status, row.attempts) for row in rows] == [
        ("pending", 1),
        ("pending", 0),
        ("pending", 0),
    ]
    assert all(row.next_attempt_at >= before + timedelta(seconds=6.9) for row in rows)


def test_blocked_telegram_chat_fails_without_retrying(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """A user who blocked the bot is a permanent failure."""
    telegram.block_chat(55502)
    row_id = owe_message(settings, Channel.telegram, "55502")
    result = attempt_delivery(
        get_engine(settings.database_url), settings, row_id, channels=channels
    )
    assert result.outcome is Outcome.failed
    [row] = outbox(settings)
    assert "blocked" in row.last_error
