"""An officer posts an area announcement from the console in a real Chromium, and it shows on
the public reports page: in the list above the reports and as its area on the map, with its
text in the area's popup; nothing refused by the CSP (SQLite only, skipped without Chromium)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser

from core.db import utcnow
from core.settings import Settings
from tests.browser import (
    DESKTOP,
    csp_refusals,
    needs_chromium,
    shot,
    sign_in,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.helpers import create_staff

pytestmark = needs_chromium

TEXT = "Pemadaman air PDAM di Kel. Pleburan karena perbaikan pipa induk"


def test_an_officer_posts_an_announcement_and_the_public_map_shows_it(
    browser: Browser, live_server: str, settings: Settings
) -> None:
    """A click on the form's map picks a circle's centre; the officer goes back to a service
    area and posts; /laporan then lists the announcement and draws its area, whose popup
    holds the text."""
    create_staff(settings, "air", "officer", "PDAM")
    page = browser.new_page(viewport=DESKTOP)
    refused = csp_refusals(page)
    sign_in(page, live_server, "air")
    page.get_by_role("link", name="Pengumuman").click()
    page.wait_for_url(f"{live_server}/console/announcements")
    page.wait_for_selector("#announcement-map.leaflet-container")

    page.locator("#announcement-map").click(position={"x": 200, "y": 120})
    assert page.get_by_label("Lingkaran (titik tengah dan jari-jari)").is_checked()
    assert page.get_by_label("Lintang").input_value().startswith("-")
    assert page.get_by_label("Jari-jari (meter)").input_value() == "500"

    page.get_by_label("Masalah (kategori)").select_option(label="PDAM · Air tidak mengalir / keruh")
    page.get_by_label("Isi pengumuman", exact=True).fill(TEXT)
    page.get_by_label("Wilayah layanan dari daftar").check()
    page.locator("#a-service-area").select_option(
        label="UPTD Wilayah Tengah (Dinas Pekerjaan Umum)"
    )
    ends = (utcnow() + timedelta(hours=5)).astimezone(ZoneInfo(settings.city_timezone))
    page.get_by_label("Selesai", exact=True).fill(ends.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Terbitkan pengumuman").click()
    page.wait_for_selector(".flash")
    assert "Pengumuman diterbitkan; 0 warga di wilayahnya diberi tahu." in page.content()
    assert page.locator(".announcement-list").get_by_text(TEXT).is_visible()
    shot(page, "console-announcements")

    page.goto(f"{live_server}/laporan")
    page.wait_for_selector("#reports-map[data-areas='1']")
    listed = page.locator("#announcement-list")
    assert listed.get_by_text(TEXT).is_visible()
    assert "UPTD Wilayah Tengah" in listed.text_content()
    area = page.locator("#reports-map path.leaflet-interactive")
    assert area.count() == 1
    area.click()
    assert TEXT in page.locator(".leaflet-popup").text_content()
    shot(page, "public-announcement")
    assert refused == []
    page.close()
