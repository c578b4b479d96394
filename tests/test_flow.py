"""The whole journey through HTTP: file, route, work, resolve, and the citizen hears each step."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from core.settings import Settings, get_settings
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import POTHOLE, create_staff, file_complaint, login, run_jobs

ACK_EN = "HX" + "1" * 32
STATUS_EN = "HX" + "2" * 32


def test_email_citizen_hears_every_step_until_resolved(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """A web complaint reaches DPU, the officer resolves it, and each step arrives by e-mail."""
    created = file_complaint(client, email="warga@example.com", name="Siti")
    code = created["tracking_code"]
    assert created["status"] == "assigned"
    assert created["agency"]["code"] == "DPU"

    create_staff(settings, "budi", "officer", "DPU")
    headers = login(client, "budi")
    queue = client.get("/api/v1/cases", headers=headers).json()
    assert [c["tracking_code"] for c in queue["items"]] == [code]

    for status, note in (
        ("in_progress", "Tim sudah dikirim"),
        ("resolved", "Lubang sudah ditambal"),
    ):
        response = client.post(
            f"/api/v1/cases/{code}/transitions",
            json={"status": status, "note": note},
            headers=headers,
        )
        assert response.status_code == 200, response.text

    run_jobs(settings)
    mails = smtp.wait_for(lambda: len(smtp.messages) >= 3 and smtp.messages)
    assert [m.to for m in mails] == ["warga@example.com"] * 3
    assert all(code in m.subject and code in m.body for m in mails)
    assert "DPU" not in mails[0].body and "Dinas Pekerjaan Umum" in mails[0].body
    assert "sedang dikerjakan" in mails[1].body and "Tim sudah dikirim" in mails[1].body
    assert "selesai ditangani" in mails[2].body and "Lubang sudah ditambal" in mails[2].body

    public = client.get(f"/api/v1/complaints/{code}").json()
    assert public["status"] == "resolved"
    assert [e["status"] for e in public["history"]] == ["assigned", "in_progress", "resolved"]
    assert "warga@example.com" not in str(public)


def test_whatsapp_citizen_gets_english_updates_as_approved_templates(
    client: TestClient, settings: Settings, twilio: FakeTwilio, monkeypatch
) -> None:
    """A web complainant who chose WhatsApp and English gets each step as an English template.

    The web form opens no WhatsApp conversation, so WhatsApp accepts only approved templates.
    """
    monkeypatch.setenv(
        "TWILIO_WHATSAPP_TEMPLATES",
        json.dumps({"acknowledgement:en": ACK_EN, "status_changed:en": STATUS_EN}),
    )
    get_settings.cache_clear()
    created = file_complaint(
        client,
        text="Huge pothole on Jalan Pandanaran near the bridge, dangerous for motorbikes",
        phone="0812-3456-7890",
        notify_via="whatsapp",
        language="en",
    )
    code = created["tracking_code"]
    create_staff(settings, "ani", "supervisor")
    headers = login(client, "ani")
    response = client.post(
        f"/api/v1/cases/{code}/transitions",
        json={"status": "in_progress", "note": "Crew on the way"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    run_jobs(settings)

    sent = twilio.wait_for(lambda: len(twilio.messages) >= 2 and twilio.messages)
    assert [m.to for m in sent] == ["whatsapp:+6281234567890"] * 2
    assert all(m.from_ == "whatsapp:+14155238886" for m in sent)
    assert [m.content_sid for m in sent] == [ACK_EN, STATUS_EN]
    assert sent[0].content_variables["1"] == code
    assert sent[0].content_variables["2"] == "Public Works Agency"
    assert [sent[1].content_variables[k] for k in "123"] == [code, "in progress", "Crew on the way"]


def test_sms_acknowledgement_arrives_through_twilio(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """An SMS contact gets the tracking code from the configured SMS number."""
    code = file_complaint(client, text=POTHOLE, phone="+6281111111111")["tracking_code"]
    run_jobs(settings)
    [message] = twilio.wait_for(lambda: twilio.messages)
    assert message.to == "+6281111111111"
    assert message.from_ == "+15005550006"
    assert code in message.body
