"""Chat channels outbound: long messages split, the WhatsApp 24-hour window, delivery reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from core.db import get_engine, session_scope, utcnow
from core.settings import Settings, get_settings
from notifications.channels import Channels
from notifications.delivery import Outcome, attempt_delivery, deliver
from notifications.dispatch import RQDispatcher
from notifications.enums import Channel
from notifications.models import Contact, Notification
from notifications.service import (
    split_body,
)
from tests.channels import inbound, signed_post
from tests.conftest import SMS_FROM, WHATSAPP_FROM
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio, TwilioMessage
from tests.helpers import create_staff, file_complaint, login, owe, run_jobs
from tests.query_plans import assert_reads_through, fill, statements_sent

PHONE = "+6281200000101"
STATUS_URL = "https://aduan.example.go.id/webhooks/twilio/status"
ACK_TEMPLATE = "HX" + "a" * 32
STATUS_TEMPLATE = "HX" + "b" * 32


def outbox(settings: Settings) -> list[Notification]:
    with Session(get_engine(settings.database_url)) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))


def contact_of(settings: Settings, row: Notification) -> Contact:
    with Session(get_engine(settings.database_url)) as session:
        return session.get(Contact, row.contact_id)


def words(count: int, length: int = 7) -> str:
    """`count` distinct words of `length` letters, so a cut inside a word would show."""
    return " ".join(f"w{i:0{length - 1}d}" for i in range(count))


def owe_long_message(settings: Settings, channel: Channel, address: str, body: str) -> None:
    """Queue `body` as an officer's note would be, handed to RQ when the transaction commits."""
    engine = get_engine(settings.database_url)
    with session_scope(engine, dispatcher=RQDispatcher(settings)) as session:
        owe(session, channel, address, body, reference="TEST-0002")


def last_inbound(settings: Settings, when: datetime | None) -> None:
    """Pretend the citizen last wrote to us on WhatsApp at `when`."""
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.update(Contact).values(last_inbound_at=when))


def use_templates(monkeypatch: pytest.MonkeyPatch, templates: dict[str, str]) -> None:
    """Configure TWILIO_WHATSAPP_TEMPLATES the way an operator does; the worker reads it."""
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", json.dumps(templates))
    get_settings.cache_clear()


def report(client: TestClient, twilio: FakeTwilio, sid: str, status: str, **extra: str):
    """Post a Twilio status callback signed the way Twilio signs it."""
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": twilio.account_sid}
    params |= extra
    signature = RequestValidator(twilio.auth_token).compute_signature(STATUS_URL, params)
    return client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )


def whatsapp_sent(client: TestClient, settings: Settings) -> tuple[str, Notification]:
    """A WhatsApp acknowledgement sent free-form inside the window: the case code and its row."""
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    last_inbound(settings, utcnow() - timedelta(hours=1))
    run_jobs(settings)
    [row] = outbox(settings)
    assert row.status == "sent"
    return code, row


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


def test_long_sms_is_split_within_1600_characters(settings: Settings, twilio: FakeTwilio) -> None:
    """An SMS body is cut into parts of at most 1600 characters, between words."""
    body = words(500)
    owe_long_message(settings, Channel.sms, PHONE, body)
    run_jobs(settings)
    rows = outbox(settings)
    assert len(rows) == 3
    sent = [message.body for message in twilio.messages_to(PHONE)]
    assert sent == [row.body for row in rows]
    assert all(len(text) <= 1600 for text in sent)
    assert " ".join(text.split(" ", 1)[1] for text in sent).split() == body.split()
    assert [row.path for row in rows] == ["sms"] * 3


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    """Splitting keeps words whole unless one word alone exceeds the limit."""
    parts = split_body("kata " * 30 + "x" * 250, 100)
    assert all(len(part) <= 100 for part in parts)
    assert all(part.split()[-1] == "kata" for part in parts[:2])
    assert "".join(part.split(" ", 1)[1] for part in parts[-3:]).endswith("x" * 80)
    assert split_body("pendek", 100) == ["pendek"]


def test_whatsapp_inside_the_window_is_free_text(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Within 24 hours of the citizen's last message the text goes as it is, on WhatsApp."""
    code, row = whatsapp_sent(client, settings)
    [message] = twilio.messages
    assert (message.to, message.from_) == (f"whatsapp:{PHONE}", WHATSAPP_FROM)
    assert message.body == row.body and code in message.body
    assert message.content_sid is None
    assert message.status_callback == STATUS_URL
    assert (row.path, row.provider_message_id) == ("whatsapp", message.sid)


def test_whatsapp_outside_the_window_uses_the_configured_template(
    client: TestClient, settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After 24 hours the acknowledgement goes as its template: code, agency, tracking link."""
    use_templates(monkeypatch, {"acknowledgement": ACK_TEMPLATE})
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    last_inbound(settings, utcnow() - timedelta(hours=25))
    run_jobs(settings)
    [message] = twilio.messages
    [row] = outbox(settings)
    assert (message.to, message.content_sid, message.body) == (
        f"whatsapp:{PHONE}",
        ACK_TEMPLATE,
        None,
    )
    assert message.content_variables == {
        "1": code,
        "2": row.variables["agency"],
        "3": f"https://aduan.example.go.id/track/{code}",
    }
    assert row.variables["agency"] in row.body
    assert message.status_callback == STATUS_URL
    assert (row.status, row.path) == ("sent", "whatsapp_template")


def test_status_template_gets_the_label_and_a_one_line_note(
    client: TestClient, settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A status change outside the window fills code, status label, note and link, in order."""
    use_templates(monkeypatch, {"status_changed": STATUS_TEMPLATE})
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    last_inbound(settings, utcnow() - timedelta(days=3))
    create_staff(settings, "sup", "supervisor")
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "in_progress", "note": "Tim sudah berangkat.\nMohon bersabar"},
        headers=login(client, "sup"),
    )
    assert response.status_code == 200, response.text
    run_jobs(settings)
    [message] = [m for m in twilio.messages if m.content_sid]
    assert message.content_variables == {
        "1": code,
        "2": "sedang dikerjakan",
        "3": "Tim sudah berangkat. Mohon bersabar",
        "4": f"https://aduan.example.go.id/track/{code}",
    }
    assert [row.path for row in outbox(settings)] == ["sms_fallback", "whatsapp_template"]


def test_whatsapp_outside_the_window_without_template_falls_back_to_sms(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """With no template for the kind, the text goes by SMS to the bare number."""
    file_complaint(client, phone=PHONE, notify_via="whatsapp")
    last_inbound(settings, None)
    run_jobs(settings)
    [message] = twilio.messages
    [row] = outbox(settings)
    assert (message.to, message.from_, message.body) == (PHONE, SMS_FROM, row.body)
    assert message.status_callback == STATUS_URL
    assert (row.status, row.path, row.provider_message_id) == ("sent", "sms_fallback", message.sid)


def test_outside_window_answer_falls_back_in_the_same_attempt(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio's 63016 to a free-form message (our clock was wrong) sends the SMS at once."""
    twilio.reject_number(f"whatsapp:{PHONE}", code=63016)
    file_complaint(client, phone=PHONE, notify_via="whatsapp")
    last_inbound(settings, utcnow() - timedelta(hours=23))
    run_jobs(settings)
    [row] = outbox(settings)
    assert (row.status, row.attempts, row.path) == ("sent", 1, "sms_fallback")
    assert [m.to for m in twilio.messages] == [PHONE]
    assert len(twilio.requests) == 2


def test_split_whatsapp_message_sends_its_template_once(
    client: TestClient, settings: Settings, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long note outside the window goes as one template (note cut to fit), not one per part."""
    use_templates(monkeypatch, {"public_note": "HX" + "c" * 32})
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    last_inbound(settings, None)
    create_staff(settings, "sup", "supervisor")
    note = words(240)  # 1919 characters: the message needs two parts
    response = client.post(
        f"/api/v1/cases/{code}/notes",
        json={"text": note, "public": True},
        headers=login(client, "sup"),
    )
    assert response.status_code in (200, 201), response.text
    run_jobs(settings)
    rows = outbox(settings)
    assert [row.path for row in rows] == [
        "sms_fallback",
        "whatsapp_template",
        "whatsapp_template_included",
    ]
    [template] = [m for m in twilio.messages if m.content_sid]
    shown = template.content_variables["2"]
    assert len(shown) == 700 and shown.endswith("…") and note.startswith(shown[:-1])


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


def test_delivered_report_marks_the_row_delivered(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A signed 'delivered' callback sets status delivered and delivered_at."""
    _, row = whatsapp_sent(client, settings)
    assert report(client, twilio, row.provider_message_id, "sent").status_code == 204
    assert report(client, twilio, row.provider_message_id, "delivered").status_code == 204
    [row] = outbox(settings)
    assert (row.status, row.provider_status) == ("delivered", "delivered")
    assert row.delivered_at is not None


def test_a_report_finds_its_row_through_the_index_of_sent_messages(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The index of provider ids holds only rows that have one (a row waiting to be sent has
    none); a delivery report still takes its row from it, not from a scan of the outbox."""
    _, row = whatsapp_sent(client, settings)
    engine = get_engine(settings.database_url)
    table = Notification.__table__
    waiting = {"status": "pending", "provider_message_id": None}
    sent = [{"provider_message_id": f"SM{n:032d}"} for n in range(1500)]
    fill(engine, table, table.c.id == row.id, [waiting] * 1500 + sent)
    with statements_sent(engine, "provider_message_id") as lookups:
        assert report(client, twilio, row.provider_message_id, "delivered").status_code == 204
    [lookup] = lookups
    assert_reads_through(engine, lookup, "ix_notifications_provider_message_id", most_rows=1)
    assert outbox(settings)[0].status == "delivered"


def test_failed_report_is_visible_on_the_case(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """'undelivered' with ErrorCode 30003 fails the row and a supervisor sees why."""
    code, row = whatsapp_sent(client, settings)
    response = report(client, twilio, row.provider_message_id, "undelivered", ErrorCode="30003")
    assert response.status_code == 204
    create_staff(settings, "sup", "supervisor")
    detail = client.get(f"/api/v1/cases/{code}", headers=login(client, "sup")).json()
    [shown] = detail["notifications"]
    assert shown["status"] == "failed"
    assert shown["last_error"] == "Twilio 30003: unreachable handset"
    assert (shown["provider_status"], shown["provider_error_code"]) == ("undelivered", "30003")
    assert shown["path"] == "whatsapp"
    [row] = outbox(settings)
    assert row.failed_at is not None


def test_reports_out_of_order_never_move_back(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """'sent' or 'failed' arriving after 'delivered' leaves the row delivered."""
    _, row = whatsapp_sent(client, settings)
    sid = row.provider_message_id
    report(client, twilio, sid, "delivered")
    report(client, twilio, sid, "sent")
    report(client, twilio, sid, "failed", ErrorCode="30008")
    [row] = outbox(settings)
    assert (row.status, row.provider_status, row.provider_error_code) == (
        "delivered",
        "delivered",
        None,
    )
    assert row.last_error is None


def test_failed_wins_over_sent_and_stays(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """'failed' after 'sent' fails the row; a late 'sent' does not revive it."""
    _, row = whatsapp_sent(client, settings)
    sid = row.provider_message_id
    report(client, twilio, sid, "sent")
    report(client, twilio, sid, "failed", ErrorCode="63024")
    report(client, twilio, sid, "sent")
    [row] = outbox(settings)
    assert (row.status, row.provider_status, row.provider_error_code) == (
        "failed",
        "failed",
        "63024",
    )


def test_duplicate_report_is_harmless(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """The same 'delivered' twice answers 204 both times and keeps the first delivered_at."""
    _, row = whatsapp_sent(client, settings)
    assert report(client, twilio, row.provider_message_id, "delivered").status_code == 204
    [first] = outbox(settings)
    assert report(client, twilio, row.provider_message_id, "delivered").status_code == 204
    [second] = outbox(settings)
    assert (second.status, second.delivered_at) == ("delivered", first.delivered_at)


def test_unsigned_or_forged_report_is_refused(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A missing or wrong signature is 403 and the row does not change."""
    _, row = whatsapp_sent(client, settings)
    params = {"MessageSid": row.provider_message_id, "MessageStatus": "failed", "ErrorCode": "1"}
    forged = RequestValidator("not-the-token").compute_signature(STATUS_URL, params)
    missing = client.post("/webhooks/twilio/status", data=params)
    wrong = client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": forged}
    )
    assert (missing.status_code, wrong.status_code) == (403, 403)
    [after] = outbox(settings)
    assert (after.status, after.provider_status, after.last_error) == ("sent", None, None)


def test_report_for_an_unknown_message_is_ignored(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A report for a sid we never sent answers 204 and changes nothing."""
    whatsapp_sent(client, settings)
    response = report(client, twilio, "SM" + "f" * 32, "failed", ErrorCode="30003")
    assert response.status_code == 204
    [row] = outbox(settings)
    assert (row.status, row.provider_status) == ("sent", None)


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


def test_every_twilio_send_asks_for_status_callbacks(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """SMS sends carry the status-callback URL too."""
    file_complaint(client, phone=PHONE)
    run_jobs(settings)
    [message] = twilio.messages
    assert isinstance(message, TwilioMessage)
    assert (message.to, message.status_callback) == (PHONE, STATUS_URL)
    [row] = outbox(settings)
    assert row.path == "sms"


def test_web_form_whatsapp_contact_is_outside_the_window(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Asking for WhatsApp updates on the web form does not open WhatsApp's 24-hour window."""
    code = file_complaint(client, phone=PHONE, notify_via="whatsapp")["tracking_code"]
    run_jobs(settings)
    [row] = outbox(settings)
    assert contact_of(settings, row).last_inbound_at is None
    assert row.path == "sms_fallback"
    [sms] = twilio.messages
    assert (sms.to, sms.from_) == (PHONE, SMS_FROM)
    assert code in sms.body


def test_whatsapp_message_opens_the_window(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A complaint written on WhatsApp is acknowledged free-form on WhatsApp."""
    signed_post(client, settings, inbound("Jalan berlubang besar di Jl. Pemuda", whatsapp=True))
    run_jobs(settings)
    [row] = outbox(settings)
    assert row.path == "whatsapp"
    assert twilio.messages[0].from_ == WHATSAPP_FROM


def test_late_63016_report_resends_outside_the_window(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """A late 63016 report for free text resends the message by SMS, once."""
    code, row = whatsapp_sent(client, settings)
    for _ in range(2):  # Twilio may repeat the report
        response = report(client, twilio, row.provider_message_id, "failed", ErrorCode="63016")
        assert response.status_code == 204
    run_jobs(settings)
    first, resent = outbox(settings)
    assert (first.status, first.provider_error_code) == ("failed", "63016")
    assert (resent.status, resent.path) == ("sent", "sms_fallback")
    assert contact_of(settings, resent).last_inbound_at is None
    sms = twilio.messages[-1]
    assert (sms.to, sms.from_) == (PHONE, SMS_FROM)
    assert code in sms.body
    assert len(twilio.messages) == 2
