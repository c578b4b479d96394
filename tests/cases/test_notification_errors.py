"""A provider's refusal shown to staff (`notifications[].last_error`) never shows the address
it quotes in full: masked as every other contact detail is."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from core.settings import Settings
from tests.console.helpers import signed_in
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import create_staff, file_complaint, login, outbox, run_jobs

PHONE = "+6281234560987"
EMAIL = "siti.rahayu@example.com"


def officers_views(client: TestClient, code: str) -> tuple[str, str]:
    """The DPU officer's case from the staff API and as the console's case page."""
    create_staff(client.app.state.settings, "dpu", "officer", "DPU")
    api = client.get(f"/api/v1/cases/{code}", headers=login(client, "dpu"))
    assert api.status_code == 200, api.text
    client.base_url = "https://testserver"  # the console's cookie is Secure
    signed_in(client, "dpu")
    page = client.get(f"/console/cases/{code}")
    assert page.status_code == 200, page.text
    return api.text, page.text


def last_error(api: str) -> str:
    [notification] = json.loads(api)["notifications"]
    return notification["last_error"]


def test_a_refused_phone_number_is_masked_in_the_api_and_the_console(
    client: TestClient, settings: Settings, twilio: FakeTwilio
) -> None:
    """Twilio's "Invalid 'To' Phone Number: +62..." reaches staff with the number masked."""
    twilio.reject_number(PHONE, code=21211)
    code = file_complaint(client, phone=PHONE, notify_via="sms")["tracking_code"]
    run_jobs(settings)
    [row] = outbox(settings)
    assert PHONE in row.last_error  # the provider's words as stored, for the record
    api, page = officers_views(client, code)
    assert last_error(api) == row.last_error.replace(PHONE, "+**********987")
    assert "Invalid &#39;To&#39; Phone Number: +**********987" in page
    for view in (api, page):
        assert PHONE not in view and PHONE[1:] not in view


def test_a_refused_email_address_is_masked_in_the_api_and_the_console(
    client: TestClient, settings: Settings, smtp: SmtpSink
) -> None:
    """The SMTP server's refusal, which names the recipient, reaches staff masked."""
    smtp.reject_recipient(EMAIL)
    code = file_complaint(client, email=EMAIL)["tracking_code"]
    run_jobs(settings)
    [row] = outbox(settings)
    assert EMAIL in row.last_error
    api, page = officers_views(client, code)
    assert last_error(api) == row.last_error.replace(EMAIL, "s***@example.com")
    assert "User unknown" in last_error(api)
    for view in (api, page):
        assert EMAIL not in view and "siti.rahayu" not in view
        assert "s***@example.com" in view
