"""The outbox: every message owed is sent once, retried on trouble, and failures stay visible."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from core.db import UTCDateTime, get_engine, utcnow
from core.queue import get_queue
from core.settings import Settings, get_settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery, deliver
from notifications.dispatch import RQDispatcher, sweep
from notifications.enums import Channel
from notifications.lease import heartbeat
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import (
    contact_of,
    create_staff,
    file_complaint,
    login,
    outbox,
    owe_long_message,
    owe_message,
    owe_staff_message,
    run_jobs,
    words,
)
from tests.processes import wait_until


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


def test_later_part_waits_for_the_earlier_one(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """Part 2 is not sent while part 1 is still pending; it goes once part 1 has gone."""
    owe_long_message(settings, Channel.telegram, "700101", words(600))
    first, second = (row.id for row in outbox(settings))
    engine = get_engine(settings.database_url)
    assert attempt_delivery(engine, settings, second, channels=channels).outcome is Outcome.retry
    assert telegram.messages == []
    assert attempt_delivery(engine, settings, first, channels=channels).outcome is Outcome.sent
    assert attempt_delivery(engine, settings, second, channels=channels).outcome is Outcome.sent
    assert [m.text[:6] for m in telegram.messages] == ["(1/2) ", "(2/2) "]


def test_the_parts_of_one_job_go_out_in_order(
    settings: Settings, telegram: FakeTelegram, channels: Channels
) -> None:
    """A job holding both parts, the later first: the claim takes part 1 alone, the next pass
    part 2 once part 1 has gone; both go out in one call, in order."""
    owe_long_message(settings, Channel.telegram, "700102", words(600))
    first, second = (row.id for row in outbox(settings))
    results = deliver(
        get_engine(settings.database_url), settings, [second, first], channels=channels
    )
    assert {i: r.outcome for i, r in results.items()} == {first: Outcome.sent, second: Outcome.sent}
    assert [m.text[:6] for m in telegram.messages] == ["(1/2) ", "(2/2) "]


def test_blocked_telegram_chat_makes_the_contact_unreachable(
    settings: Settings, telegram: FakeTelegram
) -> None:
    """After a 'blocked' answer the contact is unreachable and its next message fails unsent."""
    telegram.block_chat(700102)
    owe_long_message(settings, Channel.telegram, "700102", "Aduan TEST-0002: selesai")
    run_jobs(settings)
    [first] = outbox(settings)
    assert (first.status, first.attempts) == ("failed", 1)
    assert contact_of(settings, first).unreachable_at is not None
    calls = len(telegram.calls)
    owe_long_message(settings, Channel.telegram, "700102", "Aduan TEST-0002: ditutup")
    run_jobs(settings)
    [_, second] = outbox(settings)
    assert (second.status, second.attempts) == ("failed", 1)
    assert second.last_error.startswith("contact unreachable: ")
    assert len(telegram.calls) == calls


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


def test_the_sweep_puts_a_dead_senders_rows_ahead_of_the_backlog(
    settings: Settings, smtp: SmtpSink
) -> None:
    """A row whose lease ran out has no job left to carry it: the sweep puts it back to
    pending and at the front of the queue, though the queue has a backlog (which holds every
    other overdue row, so those wait for it to be worked off)."""
    dead = owe_message(settings, Channel.email, "dead@example.com")
    queued = [owe_message(settings, Channel.email, f"queued{n}@example.com") for n in range(2)]
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET status='sending', lease_until=:t WHERE id=:id"),
            {"t": utcnow() - timedelta(seconds=1), "id": dead},
        )
    dispatcher = RQDispatcher(settings)
    queue = get_queue(settings)
    queue.empty()
    dispatcher.dispatch(queued)
    assert sweep(engine, dispatcher, older_than=timedelta(0)) == 1
    assert [job.args for job in queue.get_jobs()] == [([dead],), (queued,)]
    assert {row.id: row.status for row in outbox(settings)}[dead] == "pending"
    run_jobs(settings)
    smtp.wait_for(lambda: len(smtp.messages) == 3)
    assert sorted(m.to for m in smtp.messages) == [
        "dead@example.com",
        "queued0@example.com",
        "queued1@example.com",
    ]


def test_a_batch_slower_than_its_lease_keeps_it(
    settings: Settings, twilio: FakeTwilio, channels: Channels
) -> None:
    """Rows claimed together share one lease; when a slow provider makes the batch outlast it
    (two citizens' four messages each, one after another, 3.2 s against a lease of 2), the
    heartbeat renews it, so no other sender takes a row that is still to go out or in flight.
    Every attempt made meanwhile finds nothing to do."""
    short = settings.model_copy(
        update={
            "notify_lease_seconds": 2,
            "notify_heartbeat_seconds": 0.3,
            "provider_timeout_seconds": 1,
        }
    )
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
    client: TestClient, settings: Settings, twilio: FakeTwilio
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
    # "in progress" failed once and went on its retry; "resolved" waited for it, unclaimed,
    # and went once it was out (a job sends the rows due with its own)
    assert (in_progress.status, in_progress.attempts) == ("sent", 2)
    assert (resolved.status, resolved.attempts) == ("sent", 1)
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


def test_embedded_mode_delivers_without_redis(
    environment: dict, monkeypatch, smtp: SmtpSink
) -> None:
    """With no REDIS_URL the web process itself delivers the acknowledgement."""

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


def test_one_staff_users_messages_go_in_order_and_wait_for_no_one_else(
    settings: Settings, smtp: SmtpSink, channels: Channels
) -> None:
    """An escalation goes to several officers about one case: each officer's messages about it
    go out in the order they were written, and none waits for another officer's or a
    citizen's message about the same case."""
    create_staff(settings, "kadis.dpu", "officer", "DPU", email="kadis@kota.go.id")
    create_staff(settings, "staf.dpu", "officer", "DPU", email="staf@kota.go.id")
    first = owe_staff_message(settings, "kadis.dpu", body="satu", reference="TEST-0009")
    second = owe_staff_message(settings, "kadis.dpu", body="dua", reference="TEST-0009")
    other = owe_staff_message(settings, "staf.dpu", body="tiga", reference="TEST-0009")
    citizen = owe_message(settings, Channel.email, "warga@example.com", reference="TEST-0009")
    engine = get_engine(settings.database_url)

    def attempt(row_id: int) -> Outcome:
        return attempt_delivery(engine, settings, row_id, channels=channels).outcome

    assert attempt(second) is Outcome.retry
    assert attempt(other) is Outcome.sent
    assert attempt(citizen) is Outcome.sent
    assert attempt(first) is Outcome.sent
    assert attempt(second) is Outcome.sent
    assert [(m.to, m.body.strip()) for m in smtp.messages] == [
        ("staf@kota.go.id", "tiga"),
        ("warga@example.com", "Halo"),
        ("kadis@kota.go.id", "satu"),
        ("kadis@kota.go.id", "dua"),
    ]


def test_a_heartbeat_never_takes_back_a_row_claimed_elsewhere(settings: Settings) -> None:
    """Renewals are fenced by the lease's end this process wrote: once a row was claimed by
    another sender (after this lease ran out unrenewed, the database unreachable), the
    heartbeat leaves that sender's lease as it is and no longer lets a send of the row start
    here; the rows still held are renewed."""
    short = settings.model_copy(
        update={
            "notify_lease_seconds": 2,
            "notify_heartbeat_seconds": 0.2,
            "provider_timeout_seconds": 1,
        }
    )
    taken, kept = (owe_message(settings, Channel.sms, f"+62813555060{n}") for n in range(2))
    until = utcnow() + timedelta(seconds=2)
    theirs = until + timedelta(seconds=5)
    # as a claim writes them (SQLite compares the stored text)
    at = sa.bindparam("t", type_=UTCDateTime)
    engine = get_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE notifications SET status='sending', lease_until=:t").bindparams(at),
            {"t": until},
        )
        connection.execute(
            sa.text("UPDATE notifications SET lease_until=:t WHERE id=:id").bindparams(at),
            {"t": theirs, "id": taken},
        )
    beats = heartbeat(engine, short)
    lease = beats.hold([taken, kept], until, short.provider_timeout_seconds)
    try:
        assert wait_until(lambda: not lease.allows_send(taken), 5)
        time.sleep(3)  # past the lease the claim took: only a renewal keeps `kept`
        assert lease.allows_send(kept)
    finally:
        beats.let_go(lease)
    ends = {row.id: row.lease_until for row in outbox(settings)}
    assert ends[taken] == theirs
    assert ends[kept] > until
