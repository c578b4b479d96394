"""The Open311 keys page in a real headless Chromium: an admin makes a key for one service,
copies it from the page and revokes it; no leak and nothing refused by the CSP."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from core.settings import Settings
from tests.browser import (
    DESKTOP,
    csp_refusals,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import PASSWORD, create_staff
from tests.website.test_public_pages import assert_clean

pytestmark = needs_chromium


def test_an_admin_makes_and_revokes_a_key_in_the_browser(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """From the admin menu: a key for street lights only, shown once in its field, then
    revoked with its button; the page is clean in Indonesian."""
    create_staff(settings, "admin", "admin")
    page = browser.new_context(viewport=DESKTOP).new_page()
    refused = csp_refusals(page)
    page.goto(f"{live_server}/console")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server}/console/admin/users")  # an admin's console home
    page.get_by_role("link", name="Kunci API Open311").click()
    expect(page.get_by_role("heading", name="Kunci API Open311", level=1)).to_be_visible()
    expect(page.get_by_text("Belum ada kunci.")).to_be_visible()

    page.get_by_label("Nama mitra").fill("FixMyStreet Semarang")
    page.get_by_label("Hanya layanan yang dicentang").check()
    page.get_by_label("Lampu penerangan jalan umum (PJU)").check()
    page.get_by_role("button", name="Buat kunci").click()
    key = page.get_by_label("Kunci API", exact=True)
    expect(key).to_have_value(re.compile(r"^o311_[\w-]{22}$"))
    row = page.get_by_role("row", name="FixMyStreet Semarang")
    expect(row).to_contain_text("Lampu penerangan jalan umum (PJU)")
    expect(row).to_contain_text("aktif")
    assert_clean(page.content(), "id")
    shot(page, "open311-keys")

    page.get_by_role("button", name="Cabut kunci FixMyStreet Semarang").click()
    expect(page.get_by_role("status")).to_have_text("Kunci FixMyStreet Semarang dicabut.")
    expect(page.get_by_label("Kunci API", exact=True)).to_have_count(0)
    expect(page.get_by_role("row", name="FixMyStreet Semarang")).to_contain_text("dicabut")
    assert_clean(page.content(), "id")
    assert refused == []
