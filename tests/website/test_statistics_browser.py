"""The public statistics page in a real headless Chromium without JavaScript, on a phone.

SQLite only, like every browser test; the screenshots land in test-artifacts/console/.
"""

from __future__ import annotations

from playwright.sync_api import Browser

from core.settings import Settings
from tests.browser import (
    PHONE,
    needs_chromium,
    shot,
    sqlite_only,  # noqa: F401 - this module runs on SQLite only
)
from tests.website.test_statistics import build_cases

pytestmark = needs_chromium


def test_statistics_on_a_phone_without_javascript(
    live_server: str, browser: Browser, settings: Settings
) -> None:
    """The table and the chart fit a phone's width, the agency choice works with JavaScript
    off, and the language switch leads to the English page."""
    build_cases(settings)
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, java_script_enabled=False
    )
    page = phone.new_page()
    page.goto(f"{live_server}/statistik")
    assert page.get_by_role("heading", name="Statistik aduan").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert (
        page.locator('#public-stats tr[data-agency="DPU"] td[data-stat="received"]').inner_text()
        == "5"
    )
    chart = page.get_by_role("img", name="Aduan masuk dan selesai per minggu, semua dinas")
    assert 0 < chart.bounding_box()["width"] <= PHONE["width"]
    shot(page, "statistics-phone")

    page.get_by_label("Dinas di grafik mingguan").select_option("DPU")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(f"{live_server}/statistik?*agency=DPU*")
    assert page.get_by_role(
        "img", name="Aduan masuk dan selesai per minggu: Dinas Pekerjaan Umum"
    ).is_visible()

    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_server}/statistik?lang=en")
    assert page.get_by_role("heading", name="Complaint statistics").is_visible()
    shot(page, "statistics-phone-en")
    phone.close()
