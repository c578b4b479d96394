"""SMS and WhatsApp out through Twilio: 1600 characters, the 24-hour window, templates, refusals."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from core.db import utcnow
from core.settings import Settings, get_settings
from notifications.enums import Channel
from tests.bots.twilio.helpers import PHONE, STATUS_URL, last_inbound, whatsapp_sent
from tests.channels import inbound, signed_post
from tests.conftest import SMS_FROM, WHATSAPP_FROM
from tests.fakes.twilio_api import FakeTwilio, TwilioMessage
from tests.helpers import (
    contact_of,
    create_staff,
    file_complaint,
    login,
    outbox,
    owe_long_message,
    run_jobs,
    words,
)

ACK_TEMPLATE = "HX" + "a" * 32
STATUS_TEMPLATE = "HX" + "b" * 32


def use_templates(monkeypatch: pytest.MonkeyPatch, templates: dict[str, str]) -> None:
    """Configure TWILIO_WHATSAPP_TEMPLATES the way an operator does; the worker reads it."""
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATES", json.dumps(templates))
    get_settings.cache_clear()


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
