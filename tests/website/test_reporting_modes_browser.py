"""The form's Anonim and Rahasia boxes in a real Chromium: found by their labels, explained,
ticked, sent, and named on the status page (SQLite only, skipped without Chromium)."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Browser

from core.db import get_engine
from core.settings import Settings
from tests.browser import (
    PHONE,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import RUBBISH

pytestmark = needs_chromium


def test_a_resident_files_anonymously_and_confidentially_from_the_form(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """Both boxes ticked on a phone: the case is stored in both modes and the page says so."""
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/")
    anonymous = page.get_by_label("Anonim")
    confidential = page.get_by_label("Rahasia")
    assert page.get_by_text("Petugas tidak melihat nama, nomor HP, dan e-mail Anda.").is_visible()
    assert page.locator(
        "#confidential-hint", has_text="tidak pernah ditampilkan untuk umum"
    ).is_visible()
    assert not anonymous.is_checked() and not confidential.is_checked()
    page.fill("#text", RUBBISH)
    anonymous.check()
    confidential.check()
    shot(page, "form-modes")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/track/*")
    assert "Aduan Anda sudah kami terima" in page.get_by_role("status").text_content()
    mode = page.locator("#mode").text_content()
    assert mode.startswith("Mode Anonim dan Rahasia: petugas tidak melihat nama dan kontak Anda")
    assert page.locator("dd", has_text="Anonim dan Rahasia").is_visible()
    shot(page, "track-modes")
    with get_engine(settings.database_url).connect() as connection:
        stored = connection.execute(sa.text("SELECT anonymous, confidential FROM cases")).all()
    assert [tuple(row) for row in stored] == [(True, True)]
    page.close()
