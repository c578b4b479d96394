"""The webhook page in a real headless Chromium: an admin registers an endpoint, keeps the
secret shown once, reads the delivery log and sends an event again; no leaks, nothing the
Content-Security-Policy refuses."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from core.settings import Settings
from tests.browser import (
    DESKTOP,
    csp_refusals,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.console.test_webhooks_http import assert_clean
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import PASSWORD, POTHOLE, create_staff
from tests.notifications.test_webhooks import deliver_everything

pytestmark = needs_chromium


def test_an_admin_registers_an_endpoint_and_sends_an_event_again(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """Register through the form, copy the secret, see the filing's delivery in the log and
    send it again: the receiver verifies both, with one webhook-id."""
    base = live_server
    create_staff(settings, "admin", "admin")
    with WebhookReceiver() as receiver:
        desk = browser.new_context(viewport=DESKTOP)
        page = desk.new_page()
        refused = csp_refusals(page)
        page.goto(f"{base}/console")
        page.get_by_label("Nama pengguna").fill("admin")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(f"{base}/console/admin/users")  # an admin's console home
        page.get_by_role("link", name="Webhook").click()
        page.get_by_label("URL (http:// atau https://)").fill(f"{receiver.url}/hooks")
        page.get_by_label("aduan baru masuk").check()
        page.get_by_label("DPU", exact=False).first.check()
        page.get_by_role("button", name="Daftarkan").click()
        expect(page.get_by_role("heading", name="Endpoint 1 terdaftar")).to_be_visible()
        receiver.secret = page.locator("#new-secret").inner_text()
        assert receiver.secret.startswith("whsec_")
        shot(page, "admin-webhooks")

        filed = httpx.post(f"{base}/api/v1/complaints", json={"text": POTHOLE})
        assert filed.status_code == 201, filed.text
        code = filed.json()["tracking_code"]
        deliver_everything(settings)

        page.get_by_role("link", name="Webhook").click()
        assert receiver.secret not in page.content()
        page.get_by_role("link", name=f"#1 {receiver.url}/hooks").click()
        expect(page.get_by_role("cell", name=code)).to_be_visible()
        expect(page.get_by_role("cell", name="terkirim", exact=False)).to_be_visible()
        assert_clean(page.content(), "id")
        page.get_by_role("button", name="Kirim ulang pengiriman").click()
        expect(page.get_by_role("status")).to_contain_text("dijadwalkan ulang")
        shot(page, "admin-webhook")
        deliver_everything(settings)
        first, second = receiver.accepted
        desk.close()
    assert first.webhook_id == second.webhook_id and first.code == code
    assert receiver.unverified == [] and refused == []
