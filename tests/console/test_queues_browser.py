"""The RQ dashboard in a real headless Chromium: an admin sees the queue a complaint's
acknowledgement waits in and empties it from the dashboard's own menu; an officer gets the
console's 403 page. Nothing the Content-Security-Policy refuses, no leaks."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect
from redis import Redis
from rq import Queue

from core.settings import Settings
from tests.browser import (
    DESKTOP,
    csp_refusals,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import PASSWORD, POTHOLE, create_staff

pytestmark = needs_chromium
LEAKS = ("<bound method", "None", "Traceback", "undefined", "NaN")


def test_an_admin_sees_and_empties_the_queue_an_officer_is_refused(
    live_server: str, browser: Browser, settings: Settings, redis_connection: Redis
) -> None:
    """The queue holding the acknowledgement's job shows with one job queued; the menu's
    "clear" (a DELETE from the dashboard's script, with the browser's Origin) empties it."""
    base = live_server
    filed = httpx.post(f"{base}/api/v1/complaints", json={"text": POTHOLE, "email": "w@x.example"})
    assert filed.status_code == 201, filed.text
    queue = Queue(settings.rq_queue, connection=redis_connection)
    assert queue.count == 1
    create_staff(settings, "root", "admin")
    create_staff(settings, "budi", "officer", "DPU")

    page = browser.new_context(viewport=DESKTOP).new_page()
    refused = csp_refusals(page)
    page.goto(f"{base}/console")
    page.get_by_label("Nama pengguna").fill("root")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/console/admin/users")  # an admin's console home
    page.goto(f"{base}/console/queues/queues")
    expect(page.locator("tr", has_text=settings.rq_queue)).to_be_visible()
    shot(page, "admin-queues")
    body = page.locator("body").inner_text()
    assert not [leak for leak in LEAKS if leak in body], body

    page.on("dialog", lambda dialog: dialog.accept())
    # the test Redis holds other tests' queues too: ours is the row with its name
    ours = page.locator("tr", has_text=settings.rq_queue)
    ours.locator(".queue-menu-btn").click()
    ours.locator(".queue-menu-item-danger").click()
    for _ in range(50):
        if queue.count == 0:
            break
        page.wait_for_timeout(100)
    assert queue.count == 0
    assert refused == []

    officer = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(officer, base, "budi")
    answer = officer.goto(f"{base}/console/queues/queues")
    assert answer is not None and answer.status == 403
    expect(officer.get_by_text("Halaman admin hanya untuk admin.")).to_be_visible()
    assert settings.rq_queue not in officer.content()
