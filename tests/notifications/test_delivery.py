"""The outbox: every message owed is sent once, retried on trouble, and failures stay visible."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from aduan.app import create_app
from core.db import get_engine, session_scope, utcnow
from core.settings import Settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery, deliver
from notifications.dispatch import RQDispatcher, sweep
from notifications.enums import Channel
from notifications.models import Contact, Notification
from notifications.service import get_or_create_contact
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, file_complaint, login, owe, run_jobs


def outbox(settings: Settings) -> list[Notification]:
    with Session(get_engine(settings.database_url)) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))


def owe_message(settings: Settings, channel: Channel, address: str, **message: str) -> int:
    """An outbox row committed with no dispatcher attached; `message` (body, reference) as
    `owe` takes it."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        [row_id] = owe(session, channel, address, **message)
        return row_id


def test_acknowledgement_row_is_written_with_the_case(
    client: TestClient, settings: Settings
) -> None:
    """Filing a complaint leaves one pending outbox row before any worker runs."""
    code = file_complaint(client, email="a@example.com")["tracking_code"]
    [row] = outbox(settings)
    assert (row.status, row.reference, row.channel, row.kind) == (
        "pending",
        code,
        "email",
        "acknowledgement",
    )


def test_temporary_failure_is_retried_until_sent(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A Twilio 500 is retried with backoff and the row ends sent, after two attempts."""
    twilio.fail_next(1, status=500)
    file_complaint(client, phone="+6281200000001")
    run_jobs(settings)
    [row] = outbox(settings)
    assert row.status == "sent"
    assert row.attempts == 2
    assert row.provider_message_id.startswith("SM")
    assert len(twilio.messages) == 1


def test_retries_end_in_a_visible_failed_state(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """When every attempt fails the row is marked failed with the error, and officers see it."""
    twilio.fail_next(10, status=503)
    code = file_complaint(client, phone="+6281200000002")["tracking_code"]
    run_jobs(settings)
    [row] = outbox(settings)
    assert row.status == "failed"
    assert row.attempts == len(settings.notify_retry_delays) + 1
    assert "503" in row.last_error or "20503" in row.last_error
    create_staff(settings, "sup", "supervisor")
    detail = client.get(f"/api/v1/cases/{code}", headers=login(client, "sup")).json()
    assert detail["notifications"][0]["status"] == "failed"
    assert detail["notifications"][0]["last_error"]


def test_permanent_rejection_is_not_retried(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """An invalid number (Twilio 21211) fails at once instead of burning retries."""
    twilio.reject_number("+6281200000003", code=21211)
    file_complaint(client, phone="+6281200000003")
    run_jobs(settings)
    [row] = outbox(settings)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "21211" in row.last_error


def test_smtp_temporary_refusal_is_retried(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """A 451 from the mail server is a retry, not a failure."""
    smtp.fail_next(1)
    file_complaint(client, email="retry@example.com")
    run_jobs(settings)
    [row] = outbox(settings)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [m.to for m in smtp.messages] == ["retry@example.com"]


def test_an_email_carries_the_subject_written_with_its_message(
    settings: Settings, smtp: SmtpSink, channels: Channels
) -> None:
    """The message is rendered once, when it is queued: delivery sends the row's subject and
    body as they were written, and makes neither again."""
    row_id = owe_message(settings, Channel.email, "subject@example.com", reference="ABCD-1234")
    [row] = outbox(settings)
    assert row.subject == "Aduan ABCD-1234"
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET subject='Subjek tertulis' WHERE id=:id"),
            {"id": row_id},
        )
    assert attempt_delivery(engine, settings, row_id, channels=channels).outcome is Outcome.sent
    [mail] = smtp.messages
    assert (mail.subject, mail.body.strip()) == ("Subjek tertulis", row.body)


def test_rows_survive_redis_being_down_and_the_sweep_sends_them(
    settings: Settings, smtp: SmtpSink
) -> None:
    """With Redis unreachable intake still answers 201; a later sweep enqueues and delivers."""
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(down)) as client:
        code = file_complaint(client, email="later@example.com")["tracking_code"]
    [row] = outbox(settings)
    assert row.status == "pending"
    assert smtp.messages == []
    engine = get_engine(settings.database_url)
    assert sweep(engine, RQDispatcher(settings), older_than=timedelta(0)) == 1
    run_jobs(settings)
    [mail] = smtp.wait_for(lambda: smtp.messages)
    assert code in mail.body


def test_a_claimed_row_is_not_sent_twice(
    settings: Settings, smtp: SmtpSink, channels: Channels
) -> None:
    """While one sender holds the lease, a second attempt skips the row."""
    row_id = owe_message(settings, Channel.email, "once@example.com")
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET status='sending', lease_until=:t WHERE id=:id"),
            {"t": utcnow() + timedelta(minutes=5), "id": row_id},
        )
    assert attempt_delivery(engine, settings, row_id, channels=channels).outcome is Outcome.skipped
    assert smtp.messages == []


def test_a_job_that_comes_before_the_row_is_due_hands_it_back_for_then(
    settings: Settings, smtp: SmtpSink, channels: Channels
) -> None:
    """A job may run before its row's retry is due (RQ's scheduler keeps whole seconds, a
    second worker's clock); it must not drop the row to the sweep, but retry it when due."""
    row_id = owe_message(settings, Channel.email, "early@example.com")
    due = utcnow() + timedelta(seconds=30)
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET next_attempt_at=:t WHERE id=:id"),
            {"t": due, "id": row_id},
        )
    result = attempt_delivery(engine, settings, row_id, channels=channels)
    assert (result.outcome, result.retry_at) == (Outcome.retry, due)
    assert smtp.messages == []


def test_a_row_whose_sender_died_is_taken_over_after_the_lease(
    settings: Settings, smtp: SmtpSink, channels: Channels
) -> None:
    """A row left 'sending' by a crashed worker is sent once its lease has run out."""
    row_id = owe_message(settings, Channel.email, "crash@example.com")
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE notifications SET status='sending', attempts=1, lease_until=:t WHERE id=:id"
            ),
            {"t": utcnow() - timedelta(seconds=1), "id": row_id},
        )
    assert attempt_delivery(engine, settings, row_id, channels=channels).outcome is Outcome.sent
    assert [m.to for m in smtp.messages] == ["crash@example.com"]
    assert attempt_delivery(engine, settings, row_id, channels=channels).outcome is Outcome.skipped
    assert len(smtp.messages) == 1


def test_a_batch_slower_than_its_lease_renews_it(
    settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """Rows claimed together share one lease; when a slow provider makes the batch outlast it
    (two citizens' four messages each, one after another, 3.2 s against a lease of 2), the
    lease is renewed before a send could overrun it, so no other sender takes a row that is
    still to go out or in flight. Every attempt made meanwhile finds nothing to do."""
    short = settings.model_copy(update={"notify_lease_seconds": 2, "provider_timeout_seconds": 1})
    numbers = ["+628135550200", "+628135550201"]
    ids = [
        owe_message(settings, Channel.sms, number, reference=f"TEST-000{turn}")
        for turn in range(4)  # four cases: none waits for another to be sent
        for number in numbers
    ]
    twilio.slow_next(8, seconds=0.8)
    engine = get_engine(settings.database_url)
    batch = threading.Thread(
        target=deliver, args=(engine, short, ids), kwargs={"channels": channels}
    )
    batch.start()
    time.sleep(2.5)  # past the first lease, with the last rows still to be sent or in flight
    meanwhile = [
        attempt_delivery(engine, short, row_id, channels=channels).outcome for row_id in ids
    ]
    batch.join(30)
    assert meanwhile == [Outcome.skipped] * 8
    assert sorted(m.to for m in twilio.messages) == sorted(numbers * 4)
    assert {row.status for row in outbox(settings)} == {"sent"}


def test_citizens_are_sent_to_side_by_side_each_in_order(
    settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """A batch has several citizens' messages at the provider at once (a slow round trip is
    not waited out per message), but one citizen's go one after another, in the order they
    were written, also about different cases (claimed together)."""
    numbers = [f"+62813555030{n}" for n in range(3)]
    ids = [
        owe_message(settings, Channel.sms, number, body=f"pesan {turn}", reference=f"TEST-{turn}")
        for turn in range(3)
        for number in numbers
    ]
    twilio.slow_next(9, seconds=0.3)
    results = deliver(get_engine(settings.database_url), settings, ids, channels=channels)
    assert {r.outcome for r in results.values()} == {Outcome.sent}
    assert twilio.most_at_once() >= 2
    for number in numbers:
        assert twilio.most_at_once(number) == 1
        assert [m.body for m in twilio.messages_to(number)] == ["pesan 0", "pesan 1", "pesan 2"]


def test_a_status_change_waits_for_the_earlier_one_to_be_retried(
    client: TestClient, settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """The resident never reads "resolved" before "in progress": a message about a case is not
    sent while an earlier one about it to the same resident waits for its retry."""
    phone = "+6281355503100"
    code = file_complaint(client, phone=phone)["tracking_code"]
    run_jobs(settings)
    create_staff(settings, "sup", "supervisor")
    sup = login(client, "sup")
    twilio.fail_next(1, status=500)
    for status in ("in_progress", "resolved"):
        response = client.post(
            f"/api/v1/cases/{code}/transitions", json={"status": status}, headers=sup
        )
        assert response.status_code == 200, response.text
    run_jobs(settings)
    acknowledgement, in_progress, resolved = outbox(settings)
    # "in progress" failed once and went on its retry; "resolved" waited for it
    assert (in_progress.status, in_progress.attempts) == ("sent", 2)
    assert resolved.status == "pending"
    engine = get_engine(settings.database_url)
    assert (
        attempt_delivery(engine, settings, resolved.id, channels=channels).outcome is Outcome.sent
    )
    bodies = [row.body for row in (acknowledgement, in_progress, resolved)]
    assert [m.body for m in twilio.messages_to(phone)] == bodies


def test_one_send_at_a_time_when_so_configured(
    settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """NOTIFY_SEND_CONCURRENCY=1: a provider that takes one request at a time gets one."""
    one = settings.model_copy(update={"notify_send_concurrency": 1})
    ids = [owe_message(settings, Channel.sms, f"+62813555031{n}") for n in range(3)]
    twilio.slow_next(3, seconds=0.2)
    results = deliver(get_engine(settings.database_url), one, ids, channels=channels)
    assert {r.outcome for r in results.values()} == {Outcome.sent}
    assert twilio.most_at_once() == 1


def test_a_stop_after_the_claim_lets_its_first_send_finish(
    settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """SIGTERM between a claim and its first send (the claim is where the send starts): that
    send goes out, the other claimed rows go back to pending, their attempt uncounted."""
    ids = [owe_message(settings, Channel.sms, f"+62813555040{n}") for n in range(3)]
    looks = iter([False])  # not stopping when it claims; asked to at every look after that
    engine = get_engine(settings.database_url)
    results = deliver(
        engine, settings, ids, should_stop=lambda: next(looks, True), channels=channels
    )
    assert {i: r.outcome for i, r in results.items()} == {ids[0]: Outcome.sent}
    assert [m.to for m in twilio.messages] == ["+628135550400"]
    assert [(r.status, r.attempts) for r in outbox(settings)] == [
        ("sent", 1),
        ("pending", 0),
        ("pending", 0),
    ]


def test_twilio_is_reached_through_the_proxy_the_environment_names(
    settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch, channels: Channels
) -> None:
    """A city network that allows the internet only through a proxy: HTTP(S)_PROXY is honoured
    (read once, when the client is made). The fake answers as the proxy, for a host that
    cannot be resolved, so the message arrives only if it went through the proxy."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", twilio.url)
    # a host of its own per fake: a client is made once per process and configuration
    host = f"http://api-{urlsplit(twilio.url).port}.twilio.invalid"
    behind_proxy = settings.model_copy(update={"twilio_api_url": host})
    row_id = owe_message(settings, Channel.sms, "+6281355502100")
    result = attempt_delivery(
        get_engine(settings.database_url), behind_proxy, row_id, channels=channels
    )
    assert result.outcome is Outcome.sent
    assert [m.to for m in twilio.messages] == ["+6281355502100"]


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


def test_embedded_mode_delivers_without_redis(
    environment: dict, monkeypatch, smtp: SmtpSink
) -> None:
    """With no REDIS_URL the web process itself delivers the acknowledgement."""
    from core.settings import get_settings

    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.redis_url is None
    with TestClient(create_app(settings)) as client:
        code = file_complaint(client, email="embedded@example.com")["tracking_code"]
        [mail] = smtp.wait_for(lambda: smtp.messages, timeout=10)
    assert mail.to == "embedded@example.com"
    assert code in mail.body
    [row] = outbox(settings)
    assert row.status == "sent"


def test_unconfigured_channel_retries_then_fails_with_a_clear_reason(
    settings: Settings, channels: Channels
) -> None:
    """Without SMTP settings an e-mail is not dropped: it retries and ends failed, saying why."""
    unconfigured = settings.model_copy(update={"smtp_host": None})
    row_id = owe_message(settings, Channel.email, "nobody@example.com")
    engine = get_engine(settings.database_url)
    outcomes = [
        attempt_delivery(engine, unconfigured, row_id, channels=channels).outcome for _ in range(3)
    ]
    assert outcomes == [Outcome.retry, Outcome.retry, Outcome.failed]
    [row] = outbox(settings)
    assert "SMTP_HOST" in row.last_error


def test_looking_up_a_contact_again_keeps_its_unsaved_changes(settings: Settings) -> None:
    """The chat flow changes a contact and then files a complaint, which looks it up again in
    the same transaction: the change must survive the second lookup and be stored."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        contact = get_or_create_contact(session, channel=Channel.sms, address="+6281200000001")
        contact.pending_latitude = -6.99
        again = get_or_create_contact(session, channel=Channel.sms, address="+6281200000001")
        assert again is contact
        assert again.pending_latitude == -6.99
    with Session(get_engine(settings.database_url)) as session:
        stored = session.exec(select(Contact).where(Contact.address == "+6281200000001")).one()
        assert stored.pending_latitude == -6.99
