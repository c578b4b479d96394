"""Twilio's delivery reports: signed, forward only, failures visible, a late 63016 resent."""

from __future__ import annotations

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from core.db import get_engine
from core.settings import Settings
from notifications.models import Notification
from tests.bots.twilio.helpers import PHONE, STATUS_URL, whatsapp_sent
from tests.conftest import SMS_FROM
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import contact_of, create_staff, login, outbox, run_jobs
from tests.query_plans import assert_reads_through, fill, statements_sent


def report(client: TestClient, twilio: FakeTwilio, sid: str, status: str, **extra: str):
    """Post a Twilio status callback signed the way Twilio signs it."""
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": twilio.account_sid}
    params |= extra
    signature = RequestValidator(twilio.auth_token).compute_signature(STATUS_URL, params)
    return client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )


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
